/** How the local cloud runs an EventBridge rule's `ScheduleExpression`. */
export type LocalSchedule =
  /** Every `periodMs`, the first run one period after the rule is created (as EventBridge does). */
  | { readonly kind: 'rate'; readonly periodMs: number }
  /** A valid expression the local cloud does not run, and why. */
  | { readonly kind: 'not-run'; readonly reason: string };

const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Thrown for an expression EventBridge itself would refuse. */
export class ScheduleExpressionError extends Error {
  override readonly name = 'ScheduleExpressionError';
}

/**
 * Reads `rate(value unit)` with EventBridge's rules: a whole number of at least 1, and a unit that is
 * singular for 1 and plural otherwise (`rate(1 hour)`, `rate(5 hours)`; not `rate(1 hours)`).
 * `cron(...)` is accepted and not run: its time-of-day semantics do not survive a speed-up, and
 * nothing in the app needs it.
 */
export function parseScheduleExpression(expression: string): LocalSchedule {
  const text = expression.trim();
  if (/^cron\(.*\)$/.test(text)) {
    return {
      kind: 'not-run',
      reason: `${text} is a cron schedule; the local cloud runs rate(...) schedules only`,
    };
  }
  const match = /^rate\(\s*(\S+)\s+(\S+)\s*\)$/.exec(text);
  if (!match) {
    throw new ScheduleExpressionError(
      `ScheduleExpression ${JSON.stringify(expression)} is neither rate(value unit) nor cron(...)`,
    );
  }
  const [, rawValue = '', unit = ''] = match;
  const value = Number(rawValue);
  if (!/^\d+$/.test(rawValue) || value < 1) {
    throw new ScheduleExpressionError(
      `ScheduleExpression ${JSON.stringify(expression)}: the value must be a whole number of at least 1, got ${JSON.stringify(rawValue)}`,
    );
  }
  const singular = unit.replace(/s$/, '');
  if (!(singular in UNIT_MS)) {
    throw new ScheduleExpressionError(
      `ScheduleExpression ${JSON.stringify(expression)}: the unit must be minute(s), hour(s) or day(s), got ${JSON.stringify(unit)}`,
    );
  }
  const expected = value === 1 ? singular : `${singular}s`;
  if (unit !== expected) {
    throw new ScheduleExpressionError(
      `ScheduleExpression ${JSON.stringify(expression)}: with the value ${value} the unit must be "${expected}"`,
    );
  }
  return { kind: 'rate', periodMs: value * UNIT_MS[singular as keyof typeof UNIT_MS] };
}
