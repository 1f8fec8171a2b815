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

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) {
    throw new NotifierConfigError(
      `${name} is not set. The NotificationChannel construct sets it; set it yourself when running the notifier outside the construct.`,
    );
  }
  return value;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new NotifierConfigError(
      `${name} must be a whole number from 1 to ${max} (got ${JSON.stringify(raw)}).`,
    );
  }
  return value;
}

function targetFromEnv(env: NodeJS.ProcessEnv): NotificationTargetConfig {
  const url = env[NotifierEnv.webhookUrl];
  const functionName = env[NotifierEnv.targetFunction];
  if (Boolean(url) === Boolean(functionName)) {
    throw new NotifierConfigError(
      `Set exactly one of ${NotifierEnv.webhookUrl} and ${NotifierEnv.targetFunction} (got ${url ? 'both' : 'neither'}).`,
    );
  }
  if (functionName) return { kind: 'lambda', functionName };
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
  return { kind: 'webhook', url: url!, ...(signingSecret ? { signingSecret } : {}) };
}

export function notifierConfigFromEnv(env: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const baseSeconds = positiveInteger(
    env,
    NotifierEnv.backoffBaseSeconds,
    NOTIFIER_DEFAULTS.backoffBaseSeconds,
    MAX_VISIBILITY_SECONDS,
  );
  const maxSeconds = positiveInteger(
    env,
    NotifierEnv.backoffMaxSeconds,
    NOTIFIER_DEFAULTS.backoffMaxSeconds,
    MAX_VISIBILITY_SECONDS,
  );
  return {
    queueUrl: required(env, NotifierEnv.queueUrl),
    statusTableName: required(env, NotifierEnv.statusTable),
    target: targetFromEnv(env),
    maxReceiveCount: positiveInteger(
      env,
      NotifierEnv.maxReceiveCount,
      NOTIFIER_DEFAULTS.maxReceiveCount,
      1_000,
    ),
    backoff: { baseSeconds, maxSeconds: Math.max(baseSeconds, maxSeconds) },
    deliveryTimeoutMs: positiveInteger(
      env,
      NotifierEnv.deliveryTimeoutMs,
      NOTIFIER_DEFAULTS.deliveryTimeoutMs,
      900_000,
    ),
    statusRetentionDays: positiveInteger(
      env,
      NotifierEnv.statusRetentionDays,
      NOTIFIER_DEFAULTS.statusRetentionDays,
      3_650,
    ),
  };
}
