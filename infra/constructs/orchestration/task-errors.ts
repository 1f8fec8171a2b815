import { ErrorNames, LAMBDA_TRANSIENT_ERRORS } from '../../../functions/runtime/errors.js';
import type { ResolvedRetry } from '../saga/saga-plan.js';
import { member } from '../saga/saga-state-names.js';
import type { AslState, AslValue } from './asl-value.js';

/** Errors worth retrying on a forward step; anything else is caught at once. */
export const TRANSIENT_ERRORS: readonly string[] = [
  ErrorNames.transient,
  ...LAMBDA_TRANSIENT_ERRORS,
  'States.Timeout',
];

/** `Fail` cause: every caught `{Error, Cause}` keyed by state name, as one JSON string. */
export const ERRORS_AS_CAUSE = 'States.JsonToString($.errors)';

/** A `Retry` list for `errors`; empty when the budget allows no retry (Step Functions refuses 0 attempts). */
export function retrier(errors: readonly string[], retry: ResolvedRetry): AslValue[] {
  if (retry.attempts === 0) return [];
  return [
    {
      ErrorEquals: [...errors],
      IntervalSeconds: retry.intervalSeconds,
      MaxAttempts: retry.attempts,
      BackoffRate: retry.backoffRate,
      MaxDelaySeconds: retry.maxDelaySeconds,
      JitterStrategy: retry.jitter,
    },
  ];
}

/** A `Catch` list that records any error under `$.errors.<stateName>` and goes on to `next`. */
export function catchInto(stateName: string, next: string): AslValue[] {
  return [{ ErrorEquals: ['States.ALL'], ResultPath: `$.errors${member(stateName)}`, Next: next }];
}

/** A terminal `Fail` whose cause lists every error caught on the way (see {@link ERRORS_AS_CAUSE}). */
export function failWithCaughtErrors(error: string): AslState {
  return { Type: 'Fail', Error: error, CausePath: ERRORS_AS_CAUSE };
}
