import { describe, expect, it } from 'vitest';
import {
  backoffSeconds,
  NotifierConfigError,
  notifierConfigFromEnv,
} from '../../functions/notifier/index.js';

describe('notification backoff', () => {
  const backoff = { baseSeconds: 10, maxSeconds: 300 };

  it('doubles per attempt from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffSeconds(attempt, backoff, () => 1))).toEqual([
      10, 20, 40, 80, 160, 300, 300,
    ]);
  });

  it('jitters within the upper half of each step, so no gap is shorter than the one before', () => {
    const low = [1, 2, 3, 4].map((attempt) => backoffSeconds(attempt, backoff, () => 0));
    const high = [1, 2, 3, 4].map((attempt) => backoffSeconds(attempt, backoff, () => 0.999_999));
    expect(low).toEqual([5, 10, 20, 40]);
    expect(high).toEqual([10, 20, 40, 80]);
    for (let attempt = 1; attempt < 4; attempt += 1)
      expect(low[attempt]).toBeGreaterThanOrEqual(high[attempt - 1]!);
  });
});

describe('notifier configuration from the environment', () => {
  const base = {
    STEPSAGA_NOTIFICATION_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q',
    STEPSAGA_NOTIFICATION_STATUS_TABLE: 'status',
  };

  it('reads a webhook target with a Secrets Manager signing secret and the defaults', () => {
    expect(
      notifierConfigFromEnv({
        ...base,
        STEPSAGA_WEBHOOK_URL: 'https://example.com/h',
        STEPSAGA_SIGNING_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:s',
      }),
    ).toEqual({
      queueUrl: base.STEPSAGA_NOTIFICATION_QUEUE_URL,
      statusTableName: 'status',
      target: {
        kind: 'webhook',
        url: 'https://example.com/h',
        signingSecret: { kind: 'secretsmanager', secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:s' },
      },
      maxReceiveCount: 5,
      backoff: { baseSeconds: 10, maxSeconds: 900 },
      deliveryTimeoutMs: 10_000,
      statusRetentionDays: 30,
    });
  });

  it('refuses both a webhook and a function target', () => {
    expect(() =>
      notifierConfigFromEnv({
        ...base,
        STEPSAGA_WEBHOOK_URL: 'https://e.com',
        STEPSAGA_TARGET_FUNCTION: 'f',
      }),
    ).toThrow(
      new NotifierConfigError(
        'Set exactly one of STEPSAGA_WEBHOOK_URL and STEPSAGA_TARGET_FUNCTION (got both).',
      ),
    );
  });

  it('refuses a malformed number, showing it', () => {
    expect(() =>
      notifierConfigFromEnv({ ...base, STEPSAGA_TARGET_FUNCTION: 'f', STEPSAGA_MAX_RECEIVE_COUNT: 'five' }),
    ).toThrow('STEPSAGA_MAX_RECEIVE_COUNT must be a whole number from 1 to 1000 (got "five").');
  });
});
