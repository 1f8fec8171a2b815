import { type EnvReader, envReader } from '../shared/env-reader.js';
import { type CheckSchedule, ROCKETMQ_CHECK_SCHEDULE, validateCheckSchedule } from './check-schedule.js';
import { TransactionalMessageConfigError } from './errors.js';

/** Environment variables the `TransactionalMessage` construct sets on its functions and hands to producers. */
export const TransactionalMessageEnv = {
  tableName: 'STEPSAGA_TXMSG_TABLE',
  producerName: 'STEPSAGA_TXMSG_PRODUCER',
  firstCheckAfterMs: 'STEPSAGA_TXMSG_FIRST_CHECK_AFTER_MS',
  checkIntervalMs: 'STEPSAGA_TXMSG_CHECK_INTERVAL_MS',
  maxChecks: 'STEPSAGA_TXMSG_MAX_CHECKS',
  pendingShards: 'STEPSAGA_TXMSG_PENDING_SHARDS',
  retentionDays: 'STEPSAGA_TXMSG_RETENTION_DAYS',
  queueUrl: 'STEPSAGA_TXMSG_QUEUE_URL',
  deadLetterQueueUrl: 'STEPSAGA_TXMSG_DEAD_LETTER_QUEUE_URL',
  checkBackUrl: 'STEPSAGA_TXMSG_CHECK_BACK_URL',
  checkBackFunction: 'STEPSAGA_TXMSG_CHECK_BACK_FUNCTION',
  checkBackTimeoutMs: 'STEPSAGA_TXMSG_CHECK_BACK_TIMEOUT_MS',
} as const;

export const TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS = {
  pendingShards: 4,
  retentionDays: 7,
  checkBackTimeoutMs: 5_000,
} as const;

/** Where the sweeper asks "did transaction X commit?". */
export type CheckBackTarget =
  | { readonly kind: 'webhook'; readonly url: string }
  | { readonly kind: 'lambda'; readonly functionName: string };

/** What the producer's client needs; `producerEnvironment` of the construct carries exactly these. */
export interface ProducerConfig {
  readonly tableName: string;
  readonly firstCheckAfterMs: number;
  readonly pendingShards: number;
  readonly retentionDays: number;
}

export interface SweeperConfig extends ProducerConfig {
  readonly schedule: CheckSchedule;
  readonly checkBack: CheckBackTarget;
  readonly checkBackTimeoutMs: number;
}

export interface RelayConfig {
  readonly tableName: string;
  readonly producerName: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly fifo: boolean;
}

function readerOf(env: NodeJS.ProcessEnv): EnvReader {
  return envReader(env, {
    missingHint:
      'The TransactionalMessage construct sets it; set it yourself when running this code outside the construct.',
    error: (message) => new TransactionalMessageConfigError(message),
  });
}

export function producerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  const { required, integer } = readerOf(env);
  return {
    tableName: required(TransactionalMessageEnv.tableName),
    firstCheckAfterMs: integer(
      TransactionalMessageEnv.firstCheckAfterMs,
      ROCKETMQ_CHECK_SCHEDULE.firstCheckAfterMs,
      0,
      86_400_000,
    ),
    pendingShards: integer(
      TransactionalMessageEnv.pendingShards,
      TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.pendingShards,
      1,
      100,
    ),
    retentionDays: integer(
      TransactionalMessageEnv.retentionDays,
      TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.retentionDays,
      1,
      3_650,
    ),
  };
}

function checkBackFromEnv(env: NodeJS.ProcessEnv): CheckBackTarget {
  const target = readerOf(env).exactlyOne(
    TransactionalMessageEnv.checkBackUrl,
    TransactionalMessageEnv.checkBackFunction,
  );
  return target.name === TransactionalMessageEnv.checkBackFunction
    ? { kind: 'lambda', functionName: target.value }
    : { kind: 'webhook', url: target.value };
}

export function sweeperConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SweeperConfig {
  const producer = producerConfigFromEnv(env);
  const { integer } = readerOf(env);
  return {
    ...producer,
    schedule: validateCheckSchedule({
      firstCheckAfterMs: producer.firstCheckAfterMs,
      checkIntervalMs: integer(
        TransactionalMessageEnv.checkIntervalMs,
        ROCKETMQ_CHECK_SCHEDULE.checkIntervalMs,
        1,
        86_400_000,
      ),
      maxChecks: integer(TransactionalMessageEnv.maxChecks, ROCKETMQ_CHECK_SCHEDULE.maxChecks, 1, 1_000),
    }),
    checkBack: checkBackFromEnv(env),
    checkBackTimeoutMs: integer(
      TransactionalMessageEnv.checkBackTimeoutMs,
      TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.checkBackTimeoutMs,
      1,
      900_000,
    ),
  };
}

export function relayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const { required } = readerOf(env);
  const queueUrl = required(TransactionalMessageEnv.queueUrl);
  return {
    tableName: required(TransactionalMessageEnv.tableName),
    producerName: env[TransactionalMessageEnv.producerName] || 'transactional-message',
    queueUrl,
    deadLetterQueueUrl: required(TransactionalMessageEnv.deadLetterQueueUrl),
    fifo: queueUrl.endsWith('.fifo'),
  };
}
