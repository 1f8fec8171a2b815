import { describe, expect, it } from 'vitest';
import {
  afterUnknownAnswer,
  decideResolution,
  firstCheckAt,
  isRelayedTransition,
  MESSAGE_STATES,
  type MessageState,
  nextCheckAt,
  pendingShardOf,
  plannedCheckTimes,
  ROCKETMQ_CHECK_SCHEDULE,
  sweeperConfigFromEnv,
  validateCheckSchedule,
} from '../../functions/transactional-message/index.js';

describe('resolution decisions', () => {
  it('applies commit and rollback only to a prepared message', () => {
    expect(decideResolution('prepared', 'commit')).toEqual({ kind: 'apply' });
    expect(decideResolution('prepared', 'rollback')).toEqual({ kind: 'apply' });
  });

  it('answers a repeated resolution idempotently with the current state', () => {
    expect(decideResolution('committed', 'commit')).toEqual({ kind: 'already', state: 'committed' });
    expect(decideResolution('delivered', 'commit')).toEqual({ kind: 'already', state: 'delivered' });
    expect(decideResolution('rolled-back', 'rollback')).toEqual({ kind: 'already', state: 'rolled-back' });
  });

  it('refuses the opposite resolution and anything after a dead-letter, with the reason', () => {
    expect(decideResolution('rolled-back', 'commit')).toEqual({
      kind: 'refused',
      reason: 'it was rolled back',
    });
    expect(decideResolution('committed', 'rollback')).toEqual({
      kind: 'refused',
      reason: 'it was committed (state "committed")',
    });
    expect(decideResolution('delivered', 'rollback')).toEqual({
      kind: 'refused',
      reason: 'it was committed (state "delivered")',
    });
    for (const resolution of ['commit', 'rollback'] as const) {
      expect(decideResolution('dead-lettered', resolution)).toEqual({
        kind: 'refused',
        reason:
          'its check-backs were exhausted and it was dead-lettered; resolve it from the dead-letter queue',
      });
    }
  });

  it('relays exactly the two transitions out of prepared that need a send', () => {
    const relayed: [string, string][] = [];
    for (const from of MESSAGE_STATES) {
      for (const to of MESSAGE_STATES) {
        if (isRelayedTransition(from, to)) relayed.push([from, to]);
      }
    }
    expect(relayed).toEqual([
      ['prepared', 'committed'],
      ['prepared', 'dead-lettered'],
    ]);
    expect(isRelayedTransition(undefined, 'committed' satisfies MessageState)).toBe(false);
  });
});

describe('check schedule', () => {
  it("defaults to RocketMQ's broker settings: first check after 6 s, then every 60 s, 15 checks", () => {
    expect(ROCKETMQ_CHECK_SCHEDULE).toEqual({
      firstCheckAfterMs: 6_000,
      checkIntervalMs: 60_000,
      maxChecks: 15,
    });
  });

  it('plans maxChecks checks, the first after firstCheckAfterMs and then one interval apart', () => {
    const preparedAt = Date.parse('2026-03-01T10:00:00.000Z');
    const times = plannedCheckTimes(preparedAt, ROCKETMQ_CHECK_SCHEDULE);
    expect(times).toHaveLength(15);
    expect(new Date(times[0]!).toISOString()).toBe('2026-03-01T10:00:06.000Z');
    expect(new Date(times[1]!).toISOString()).toBe('2026-03-01T10:01:06.000Z');
    expect(new Date(times.at(-1)!).toISOString()).toBe('2026-03-01T10:14:06.000Z');
    expect(firstCheckAt(preparedAt, ROCKETMQ_CHECK_SCHEDULE)).toBe(times[0]);
    expect(nextCheckAt(times[0]!, ROCKETMQ_CHECK_SCHEDULE)).toBe(times[1]);
  });

  it('checks again after an UNKNOWN until the last allowed check, which dead-letters', () => {
    const schedule = { firstCheckAfterMs: 0, checkIntervalMs: 1, maxChecks: 3 };
    expect([1, 2, 3, 4].map((check) => afterUnknownAnswer(check, schedule))).toEqual([
      'check-again',
      'check-again',
      'dead-letter',
      'dead-letter',
    ]);
  });

  it('refuses a malformed schedule with the bad value', () => {
    expect(() => validateCheckSchedule({ firstCheckAfterMs: -1, checkIntervalMs: 1, maxChecks: 1 })).toThrow(
      'firstCheckAfterMs must be a whole number of milliseconds ≥ 0 (got -1).',
    );
    expect(() => validateCheckSchedule({ firstCheckAfterMs: 0, checkIntervalMs: 0, maxChecks: 1 })).toThrow(
      'checkIntervalMs must be a whole number of milliseconds ≥ 1 (got 0).',
    );
    expect(() => validateCheckSchedule({ firstCheckAfterMs: 0, checkIntervalMs: 1, maxChecks: 0 })).toThrow(
      'maxChecks must be a whole number from 1 to 1000 (got 0).',
    );
  });

  it('spreads message ids over the pending shards, and the same id always lands on the same shard', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4_000; i += 1) {
      const shard = pendingShardOf(`msg-${i}`, 4);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['0', '1', '2', '3']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(800);
    expect(pendingShardOf('msg-1', 4)).toBe(pendingShardOf('msg-1', 4));
    expect(pendingShardOf('msg-1', 1)).toBe('0');
  });
});

describe('sweeper configuration from the environment', () => {
  const base = { STEPSAGA_TXMSG_TABLE: 'holding', STEPSAGA_TXMSG_CHECK_BACK_URL: 'https://x.example/c' };

  it('reads the construct-set variables and falls back to the RocketMQ schedule', () => {
    expect(sweeperConfigFromEnv(base)).toEqual({
      tableName: 'holding',
      firstCheckAfterMs: 6_000,
      pendingShards: 4,
      retentionDays: 7,
      schedule: { firstCheckAfterMs: 6_000, checkIntervalMs: 60_000, maxChecks: 15 },
      checkBack: { kind: 'webhook', url: 'https://x.example/c' },
      checkBackTimeoutMs: 5_000,
    });
  });

  it('refuses both or neither check-back target, and malformed numbers', () => {
    expect(() => sweeperConfigFromEnv({ STEPSAGA_TXMSG_TABLE: 'holding' })).toThrow(
      'Set exactly one of STEPSAGA_TXMSG_CHECK_BACK_URL and STEPSAGA_TXMSG_CHECK_BACK_FUNCTION (got neither).',
    );
    expect(() => sweeperConfigFromEnv({ ...base, STEPSAGA_TXMSG_CHECK_BACK_FUNCTION: 'fn' })).toThrow(
      'Set exactly one of STEPSAGA_TXMSG_CHECK_BACK_URL and STEPSAGA_TXMSG_CHECK_BACK_FUNCTION (got both).',
    );
    expect(() => sweeperConfigFromEnv({ ...base, STEPSAGA_TXMSG_MAX_CHECKS: 'lots' })).toThrow(
      'STEPSAGA_TXMSG_MAX_CHECKS must be a whole number from 1 to 1000 (got "lots").',
    );
    expect(() => sweeperConfigFromEnv({ STEPSAGA_TXMSG_CHECK_BACK_URL: 'https://x.example/c' })).toThrow(
      'STEPSAGA_TXMSG_TABLE is not set. The TransactionalMessage construct sets it; set it yourself when running this code outside the construct.',
    );
  });
});
