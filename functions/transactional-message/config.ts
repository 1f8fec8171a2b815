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

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) {
    throw new TransactionalMessageConfigError(
      `${name} is not set. The TransactionalMessage construct sets it; set it yourself when running this code outside the construct.`,
    );
  }
  return value;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TransactionalMessageConfigError(
      `${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)}).`,
    );
  }
  return value;
}

export function producerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ProducerConfig {
  return {
    tableName: required(env, TransactionalMessageEnv.tableName),
    firstCheckAfterMs: integer(
      env,
      TransactionalMessageEnv.firstCheckAfterMs,
      ROCKETMQ_CHECK_SCHEDULE.firstCheckAfterMs,
      0,
      86_400_000,
    ),
    pendingShards: integer(
      env,
      TransactionalMessageEnv.pendingShards,
      TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.pendingShards,
      1,
      100,
    ),
    retentionDays: integer(
      env,
      TransactionalMessageEnv.retentionDays,
      TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.retentionDays,
      1,
      3_650,
    ),
  };
}

function checkBackFromEnv(env: NodeJS.ProcessEnv): CheckBackTarget {
  const url = env[TransactionalMessageEnv.checkBackUrl];
  const functionName = env[TransactionalMessageEnv.checkBackFunction];
  if (Boolean(url) === Boolean(functionName)) {
    throw new TransactionalMessageConfigError(
      `Set exactly one of ${TransactionalMessageEnv.checkBackUrl} and ${TransactionalMessageEnv.checkBackFunction} (got ${url ? 'both' : 'neither'}).`,
    );
  }
  return functionName ? { kind: 'lambda', functionName } : { kind: 'webhook', url: url! };
}

export function sweeperConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SweeperConfig {
  const producer = producerConfigFromEnv(env);
  return {
    ...producer,
    schedule: validateCheckSchedule({
      firstCheckAfterMs: producer.firstCheckAfterMs,
      checkIntervalMs: integer(
        env,
        TransactionalMessageEnv.checkIntervalMs,
        ROCKETMQ_CHECK_SCHEDULE.checkIntervalMs,
        1,
        86_400_000,
      ),
      maxChecks: integer(env, TransactionalMessageEnv.maxChecks, ROCKETMQ_CHECK_SCHEDULE.maxChecks, 1, 1_000),
    }),
    checkBack: checkBackFromEnv(env),
    checkBackTimeoutMs: integer(
      env,
      TransactionalMessageEnv.checkBackTimeoutMs,
      TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.checkBackTimeoutMs,
      1,
      900_000,
    ),
  };
}

export function relayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const queueUrl = required(env, TransactionalMessageEnv.queueUrl);
  return {
    tableName: required(env, TransactionalMessageEnv.tableName),
    producerName: env[TransactionalMessageEnv.producerName] || 'transactional-message',
    queueUrl,
    deadLetterQueueUrl: required(env, TransactionalMessageEnv.deadLetterQueueUrl),
    fifo: queueUrl.endsWith('.fifo'),
  };
}
