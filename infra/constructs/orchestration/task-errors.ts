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

/**
 * Failures in which the function died or went silent: it may have committed before it did. The
 * participant's barrier answers a retry with the first attempt's result, so retrying them is safe.
 */
export const CRASH_ERRORS: readonly string[] = [
  'Runtime.ExitError',
  'Runtime.Unknown',
  'Sandbox.Timedout',
  'Lambda.Unknown',
];

/**
 * Refusals that prove the participant never committed the phase, on this attempt or an earlier one:
 * the runtime raises a business error only after its barrier shows no committed phase, and the other
 * refusals follow from the request itself, which every attempt repeats (an earlier attempt with the
 * same request would have been refused too). Any other error, even a transient one that merely
 * outlasted the retries, may follow an attempt that committed and then crashed or timed out.
 * `SagaRequestMismatch` is not here on purpose: it means the step's barrier holds a commit of this
 * saga instance from another request, so the step did happen and its compensation must run (a
 * compensatable step's catch-all does that; a pivot parks rather than compensate around it).
 */
export const NOTHING_COMMITTED_ERRORS: readonly string[] = [
  ErrorNames.business,
  ErrorNames.actionRefused,
  ErrorNames.limitExceeded,
  ErrorNames.invalidRequest,
  ErrorNames.inputInvalid,
  ErrorNames.resultTooLarge,
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

/**
 * A `Catch` list that sends the refusals in {@link NOTHING_COMMITTED_ERRORS} to `refusedNext` and every
 * other error to `otherNext`, recording either under `$.errors.<stateName>`.
 */
export function catchRefusalsInto(stateName: string, refusedNext: string, otherNext: string): AslValue[] {
  return [
    {
      ErrorEquals: [...NOTHING_COMMITTED_ERRORS],
      ResultPath: `$.errors${member(stateName)}`,
      Next: refusedNext,
    },
    ...catchInto(stateName, otherNext),
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
