import { Token } from 'aws-cdk-lib';
import type { SagaStep } from './saga-props.js';
import { SagaValidationError } from './saga-validation.js';

/**
 * Step Functions' payload quota: a state's input and output, a task's result and the execution
 * input are each at most 256 KiB of UTF-8 JSON. Past it the execution fails with
 * `States.DataLimitExceeded`, which no Catch handles (`States.ALL` does not match it): no
 * compensation, no park, no outcome, with steps already committed. The saga state is the input plus
 * every step result plus the caught errors, so the saga shares the quota out at synth and the
 * participant runtime refuses anything over its share before it commits.
 */
export const STATE_LIMIT_BYTES = 262_144;

/**
 * Room kept for `$.errors` on a failure path: the forward failure and one compensation failure
 * (each a Lambda error payload whose message the runtime caps at 2,048 characters, quoted twice
 * over in the trace and escaped as JSON text), plus the park and outcome sends' errors.
 */
export const ERRORS_RESERVE_BYTES = 32_768;

/** JSON punctuation around `results` and each step's key, per step and once. */
export const KEY_OVERHEAD_BYTES = 96;

export const DEFAULT_MAX_INPUT_BYTES = 65_536;

/** A share below this would refuse any useful result; the saga has too many steps for its input budget. */
export const MIN_RESULT_BYTES = 1_024;

export interface SagaStateBudget {
  readonly inputBytes: number;
  /** Per step, in the order of the steps. */
  readonly resultBytes: readonly number[];
}

function whole(where: string, field: string, value: number, max: number): void {
  if (Token.isUnresolved(value)) {
    throw new SagaValidationError(`${where}: \`${field}\` must be a number known at synth, not a token.`);
  }
  if (!Number.isInteger(value) || value < MIN_RESULT_BYTES || value > max) {
    throw new SagaValidationError(
      `${where}: \`${field}\` must be a whole number of bytes from ${MIN_RESULT_BYTES} to ${max} (got ${value}).`,
    );
  }
}

/**
 * Shares the 256 KiB state out: the input budget, the errors reserve and the keys first, then each
 * step's declared `maxResultBytes`, then the rest in equal parts to the steps that declare none.
 */
export function planStateBudget(
  sagaName: string,
  steps: readonly SagaStep[],
  maxInputBytes: number | undefined,
): SagaStateBudget {
  const where = `Saga "${sagaName}"`;
  const inputBytes = maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const fixed = ERRORS_RESERVE_BYTES + KEY_OVERHEAD_BYTES * (steps.length + 1);
  whole(where, 'maxInputBytes', inputBytes, STATE_LIMIT_BYTES - fixed - MIN_RESULT_BYTES);
  for (const step of steps) {
    if (step.maxResultBytes !== undefined) {
      whole(`${where}, step "${step.name}"`, 'maxResultBytes', step.maxResultBytes, STATE_LIMIT_BYTES);
    }
  }
  const declared = steps.reduce((sum, s) => sum + (s.maxResultBytes ?? 0), 0);
  const open = steps.filter((s) => s.maxResultBytes === undefined).length;
  const left = STATE_LIMIT_BYTES - fixed - inputBytes - declared;
  const share = open > 0 ? Math.floor(left / open) : left;
  if (left < 0 || (open > 0 && share < MIN_RESULT_BYTES)) {
    const parts = steps
      .filter((s) => s.maxResultBytes !== undefined)
      .map((s) => `${s.name} ${s.maxResultBytes}`)
      .join(', ');
    throw new SagaValidationError(
      `${where}: the input budget (${inputBytes} bytes)${parts ? `, the declared results (${parts})` : ''} and the ${fixed} bytes kept for errors and keys ` +
        `leave ${open > 0 ? `${Math.max(share, 0)} bytes for each of ${open} other steps` : `${left} bytes`}, ` +
        `but the saga state holds ${STATE_LIMIT_BYTES} bytes in all${open > 0 ? ` and a step needs at least ${MIN_RESULT_BYTES}` : ''}. ` +
        "Lower `maxInputBytes` or the steps' `maxResultBytes`, or keep large data elsewhere (S3) and pass references.",
    );
  }
  return { inputBytes, resultBytes: steps.map((s) => s.maxResultBytes ?? share) };
}
