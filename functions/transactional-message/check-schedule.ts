import { createHash } from 'node:crypto';
import { TransactionalMessageConfigError } from './errors.js';

/**
 * When a prepared message is checked back. RocketMQ's broker defaults: a half message becomes
 * checkable 6 s after it was sent (`transactionTimeOut`), is checked every 60 s
 * (`transactionCheckInterval`) and at most 15 times (`transactionCheckMax`).
 */
export interface CheckSchedule {
  /** Delay from `prepare` to the first check-back; the producer normally resolves well before it. */
  readonly firstCheckAfterMs: number;
  /** Delay between two check-backs of one message. */
  readonly checkIntervalMs: number;
  /** Check-backs before an unresolved message is dead-lettered. */
  readonly maxChecks: number;
}

export const ROCKETMQ_CHECK_SCHEDULE: CheckSchedule = {
  firstCheckAfterMs: 6_000,
  checkIntervalMs: 60_000,
  maxChecks: 15,
};

/** Upper bound of `maxChecks`: beyond it a message would wait for days with nobody looking. */
export const MAX_CHECKS_LIMIT = 1_000;

export function validateCheckSchedule(schedule: CheckSchedule): CheckSchedule {
  const { firstCheckAfterMs, checkIntervalMs, maxChecks } = schedule;
  if (!Number.isInteger(firstCheckAfterMs) || firstCheckAfterMs < 0) {
    throw new TransactionalMessageConfigError(
      `firstCheckAfterMs must be a whole number of milliseconds ≥ 0 (got ${firstCheckAfterMs}).`,
    );
  }
  if (!Number.isInteger(checkIntervalMs) || checkIntervalMs < 1) {
    throw new TransactionalMessageConfigError(
      `checkIntervalMs must be a whole number of milliseconds ≥ 1 (got ${checkIntervalMs}).`,
    );
  }
  if (!Number.isInteger(maxChecks) || maxChecks < 1 || maxChecks > MAX_CHECKS_LIMIT) {
    throw new TransactionalMessageConfigError(
      `maxChecks must be a whole number from 1 to ${MAX_CHECKS_LIMIT} (got ${maxChecks}).`,
    );
  }
  return schedule;
}

/** When the first check-back of a message prepared at `preparedAtMs` is due. */
export function firstCheckAt(
  preparedAtMs: number,
  schedule: Pick<CheckSchedule, 'firstCheckAfterMs'>,
): number {
  return preparedAtMs + schedule.firstCheckAfterMs;
}

/** When the check after one that started at `checkStartedAtMs` is due. */
export function nextCheckAt(checkStartedAtMs: number, schedule: CheckSchedule): number {
  return checkStartedAtMs + schedule.checkIntervalMs;
}

/**
 * The earliest times of every check-back of a message nobody resolves, if each check runs when due;
 * the last entry is also the earliest time it can be dead-lettered.
 */
export function plannedCheckTimes(preparedAtMs: number, schedule: CheckSchedule): number[] {
  const times = [firstCheckAt(preparedAtMs, schedule)];
  while (times.length < schedule.maxChecks) times.push(nextCheckAt(times.at(-1)!, schedule));
  return times;
}

/** What the check numbered `check` (1-based) leads to when its answer is UNKNOWN. */
export function afterUnknownAnswer(check: number, schedule: CheckSchedule): 'check-again' | 'dead-letter' {
  return check >= schedule.maxChecks ? 'dead-letter' : 'check-again';
}

/**
 * The pending index's partition of a message. Spreading prepared messages over a few partitions
 * keeps one index partition's write limit (1,000 writes/s) from capping prepare throughput; the
 * hash keeps a retried `prepare` on the same partition.
 */
export function pendingShardOf(messageId: string, shards: number): string {
  const digest = createHash('sha256').update(messageId).digest();
  return String(digest.readUInt32BE(0) % shards);
}
