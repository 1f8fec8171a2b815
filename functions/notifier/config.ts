import { type EnvReader, envReader } from '../shared/env-reader.js';
import { NotifierConfigError } from './errors.js';

/** Environment variables of the notifier function (set by the `NotificationChannel` construct). */
export const NotifierEnv = {
  queueUrl: 'STEPSAGA_NOTIFICATION_QUEUE_URL',
  statusTable: 'STEPSAGA_NOTIFICATION_STATUS_TABLE',
  webhookUrl: 'STEPSAGA_WEBHOOK_URL',
  targetFunction: 'STEPSAGA_TARGET_FUNCTION',
  signingSecretArn: 'STEPSAGA_SIGNING_SECRET_ARN',
  signingParameterName: 'STEPSAGA_SIGNING_PARAMETER_NAME',
  maxReceiveCount: 'STEPSAGA_MAX_RECEIVE_COUNT',
  backoffBaseSeconds: 'STEPSAGA_BACKOFF_BASE_SECONDS',
  backoffMaxSeconds: 'STEPSAGA_BACKOFF_MAX_SECONDS',
  deliveryTimeoutMs: 'STEPSAGA_DELIVERY_TIMEOUT_MS',
  statusRetentionDays: 'STEPSAGA_STATUS_RETENTION_DAYS',
} as const;

export const NOTIFIER_DEFAULTS = {
  maxReceiveCount: 5,
  backoffBaseSeconds: 10,
  backoffMaxSeconds: 900,
  deliveryTimeoutMs: 10_000,
  statusRetentionDays: 30,
} as const;

/** SQS caps a message's visibility timeout at 12 hours. */
export const MAX_VISIBILITY_SECONDS = 43_200;

export type SigningSecretSource =
  | { readonly kind: 'secretsmanager'; readonly secretId: string }
  | { readonly kind: 'ssm'; readonly parameterName: string };

export type NotificationTargetConfig =
  | { readonly kind: 'webhook'; readonly url: string; readonly signingSecret?: SigningSecretSource }
  | { readonly kind: 'lambda'; readonly functionName: string };

export interface BackoffConfig {
  /** Delay after the first failed attempt; it doubles per attempt. */
  readonly baseSeconds: number;
  readonly maxSeconds: number;
}

export interface NotifierConfig {
  readonly queueUrl: string;
  readonly statusTableName: string;
  readonly target: NotificationTargetConfig;
  /** The queue's redrive `maxReceiveCount`: the attempt that fails at this count is the last. */
  readonly maxReceiveCount: number;
  readonly backoff: BackoffConfig;
  readonly deliveryTimeoutMs: number;
  readonly statusRetentionDays: number;
}

function readerOf(env: NodeJS.ProcessEnv): EnvReader {
  return envReader(env, {
    missingHint:
      'The NotificationChannel construct sets it; set it yourself when running the notifier outside the construct.',
    error: (message) => new NotifierConfigError(message),
  });
}

function targetFromEnv(env: NodeJS.ProcessEnv): NotificationTargetConfig {
  const target = readerOf(env).exactlyOne(NotifierEnv.webhookUrl, NotifierEnv.targetFunction);
  if (target.name === NotifierEnv.targetFunction) return { kind: 'lambda', functionName: target.value };
  const secretArn = env[NotifierEnv.signingSecretArn];
  const parameterName = env[NotifierEnv.signingParameterName];
  if (secretArn && parameterName) {
    throw new NotifierConfigError(
      `Set at most one of ${NotifierEnv.signingSecretArn} and ${NotifierEnv.signingParameterName}; both are set.`,
    );
  }
  const signingSecret: SigningSecretSource | undefined = secretArn
    ? { kind: 'secretsmanager', secretId: secretArn }
    : parameterName
      ? { kind: 'ssm', parameterName }
      : undefined;
  return { kind: 'webhook', url: target.value, ...(signingSecret ? { signingSecret } : {}) };
}

export function notifierConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const read = readerOf(env);
  const positiveInteger = (name: string, fallback: number, max: number) =>
    read.integer(name, fallback, 1, max);
  const baseSeconds = positiveInteger(
    NotifierEnv.backoffBaseSeconds,
    NOTIFIER_DEFAULTS.backoffBaseSeconds,
    MAX_VISIBILITY_SECONDS,
  );
  const maxSeconds = positiveInteger(
    NotifierEnv.backoffMaxSeconds,
    NOTIFIER_DEFAULTS.backoffMaxSeconds,
    MAX_VISIBILITY_SECONDS,
  );
  return {
    queueUrl: read.required(NotifierEnv.queueUrl),
    statusTableName: read.required(NotifierEnv.statusTable),
    target: targetFromEnv(env),
    maxReceiveCount: positiveInteger(NotifierEnv.maxReceiveCount, NOTIFIER_DEFAULTS.maxReceiveCount, 1_000),
    backoff: { baseSeconds, maxSeconds: Math.max(baseSeconds, maxSeconds) },
    deliveryTimeoutMs: positiveInteger(
      NotifierEnv.deliveryTimeoutMs,
      NOTIFIER_DEFAULTS.deliveryTimeoutMs,
      900_000,
    ),
    statusRetentionDays: positiveInteger(
      NotifierEnv.statusRetentionDays,
      NOTIFIER_DEFAULTS.statusRetentionDays,
      3_650,
    ),
  };
}
