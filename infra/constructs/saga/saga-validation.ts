import { Token } from 'aws-cdk-lib';
import { decideStateName, LONGEST_PARK_PREFIX } from '../orchestration/park-state-names.js';
import { StepsagaValidationError } from '../shared/validation-error.js';
import type { ResolvedRetry, ResolvedStep } from './saga-plan.js';
import type { SagaInputSchema, SagaStep } from './saga-props.js';
import {
  COMPENSATE_PREFIX,
  compensationStateName,
  FORBIDDEN_NAME_CHARACTERS,
  MAX_STATE_NAME_LENGTH,
  StateNames,
} from './saga-state-names.js';

/** Step Functions' bounds on retrier fields (Amazon States Language, Retry). */
export const RETRY_LIMITS = {
  maxAttempts: 99_999_999,
  maxIntervalSeconds: 99_999_999,
  /** MaxDelaySeconds must be below one year. */
  maxDelaySeconds: 31_622_399,
  maxTaskTimeoutSeconds: 99_999_999,
} as const;

/** Keys the generated state machine writes into the execution state (see docs/architecture.md). */
export const RESERVED_INPUT_KEYS = ['results', 'errors', 'decision'] as const;

const RESERVED_STATE_NAMES: readonly string[] = Object.values(StateNames);

/** Thrown at construction (and so at synth) when a saga or TCC transaction is declared wrongly; the message names the saga, the step and the fix. */
/** A saga or TCC declaration that cannot work; one of {@link StepsagaValidationError}. */
export class SagaValidationError extends StepsagaValidationError {
  override readonly name: string = 'SagaValidationError';
}

function fail(message: string): never {
  throw new SagaValidationError(message);
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

function known(value: number): boolean {
  return !Token.isUnresolved(value);
}

export function validateSagaName(sagaName: string): void {
  if (Token.isUnresolved(sagaName)) return;
  if (sagaName.length === 0 || sagaName.length > MAX_STATE_NAME_LENGTH) {
    fail(
      `Saga name ${show(sagaName)} must be 1 to ${MAX_STATE_NAME_LENGTH} characters long (got ${sagaName.length}). Pass a shorter \`sagaName\`.`,
    );
  }
  if (FORBIDDEN_NAME_CHARACTERS.test(sagaName)) {
    fail(
      `Saga name ${show(sagaName)} contains ${show(sagaName.match(FORBIDDEN_NAME_CHARACTERS)![0])}, which a state machine name cannot contain (no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ \` $ & , ; : / '). Pass a \`sagaName\` of letters, digits, '-' and '_'.`,
    );
  }
}

/** Checks that need only the declared steps: names and the ordering rules of step kinds. */
export function validateStepDeclarations(sagaName: string, steps: readonly SagaStep[]): void {
  if (steps.length === 0) {
    fail(`Saga "${sagaName}" has no steps. Declare at least one step in \`steps\`.`);
  }
  const seen = new Set<string>();
  for (const step of steps) {
    const where = `Saga "${sagaName}", step ${show(step.name)}`;
    if (Token.isUnresolved(step.name)) {
      fail(`${where}: a step name must be a literal string, not a token. Use a fixed name.`);
    }
    if (seen.has(step.name)) {
      fail(
        `${where}: the name is used by another step; state names must be unique. Rename one of the steps.`,
      );
    }
    seen.add(step.name);
    if (step.name.length === 0) fail(`Saga "${sagaName}": a step has an empty name. Give every step a name.`);
    const match = step.name.match(FORBIDDEN_NAME_CHARACTERS);
    if (match) {
      fail(
        `${where}: the name contains ${show(match[0])}, which a step name cannot contain (no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ \` $ & , ; : / '). Use letters, digits, '-' and '_', e.g. "ReserveInventory".`,
      );
    }
    // Every state that can park gets a `Decide <state>` Choice, the longest name generated for it.
    const longest = decideStateName(
      step.compensation !== undefined ? compensationStateName(step.name) : step.name,
    );
    if (longest.length > MAX_STATE_NAME_LENGTH) {
      fail(
        `${where}: the state name ${show(longest)} is ${longest.length} characters long; Step Functions allows ${MAX_STATE_NAME_LENGTH} (the operator's decision state adds the ${LONGEST_PARK_PREFIX}-character prefix "${decideStateName('')}"${step.compensation !== undefined ? `, the compensation state the ${COMPENSATE_PREFIX.length}-character prefix "${COMPENSATE_PREFIX}"` : ''}). Shorten the step name.`,
      );
    }
    if (RESERVED_STATE_NAMES.includes(step.name) || step.name.startsWith(COMPENSATE_PREFIX.trimEnd())) {
      fail(
        `${where}: the name is reserved for a state the saga generates (${RESERVED_STATE_NAMES.map((n) => show(n)).join(', ')}, or names starting with "Compensate"). Rename the step.`,
      );
    }
    if (!Token.isUnresolved(step.action) && step.action.length === 0) {
      fail(`${where}: \`action\` is empty. Name the participant action the step runs, e.g. "reserve".`);
    }
    if (
      step.compensation !== undefined &&
      !Token.isUnresolved(step.compensation) &&
      step.compensation.length === 0
    ) {
      fail(
        `${where}: \`compensation\` is empty. Name the participant action that undoes "${step.action}", or omit it.`,
      );
    }
  }
}

export function validateKinds(sagaName: string, steps: readonly ResolvedStep[]): void {
  const pivots = steps.filter((s) => s.kind === 'pivot');
  if (pivots.length > 1) {
    fail(
      `Saga "${sagaName}" declares ${pivots.length} pivot steps (${pivots.map((s) => show(s.name)).join(', ')}); a saga has at most one point of no return. Keep one pivot; make earlier ones 'compensatable' and later ones 'retriable'.`,
    );
  }
  const pivot = pivots[0];
  for (const step of steps) {
    const where = `Saga "${sagaName}", step "${step.name}"`;
    if (step.kind === 'compensatable' && step.compensation === undefined) {
      fail(
        step.kindInferred
          ? `${where}: the step has no compensation, so it is compensatable without a way to undo it. Add \`compensation\`, or declare \`kind: 'pivot'\` (the point of no return) or \`kind: 'retriable'\` (after the pivot).`
          : `${where}: a compensatable step needs a compensation (got none). Add \`compensation\`, or declare the step 'pivot' or 'retriable'.`,
      );
    }
    if (step.kind === 'retriable' && step.compensation !== undefined) {
      fail(
        `${where}: a retriable step never triggers compensation, so its compensation ${show(step.compensation)} would never run. Remove \`compensation\`, or declare the step 'compensatable' before the pivot.`,
      );
    }
    if (step.kind === 'pivot' && step.compensation !== undefined) {
      fail(
        `${where}: the pivot is the point of no return, so its compensation ${show(step.compensation)} would never run. Remove \`compensation\`, or declare the step 'compensatable' and pick another pivot.`,
      );
    }
    if (pivot && step.kind === 'compensatable' && step.index > pivot.index) {
      fail(
        `${where}: a compensatable step cannot follow the pivot "${pivot.name}" (step ${step.index + 1} after step ${pivot.index + 1}); nothing after the point of no return is compensated. Move it before the pivot, or make it 'retriable' without a compensation.`,
      );
    }
    if (step.kind === 'retriable') {
      const laterUndoable = steps.find((s) => s.index > step.index && s.kind !== 'retriable');
      if (laterUndoable) {
        fail(
          `${where}: a retriable step must come after the pivot, but ${laterUndoable.kind} step "${laterUndoable.name}" follows it. Move "${step.name}" after the pivot, or make it compensatable with a compensation.`,
        );
      }
    }
  }
}

export function validateRetry(where: string, field: string, retry: ResolvedRetry): void {
  const { attempts, intervalSeconds, backoffRate, maxDelaySeconds } = retry;
  if (
    known(attempts) &&
    (!Number.isInteger(attempts) || attempts < 0 || attempts > RETRY_LIMITS.maxAttempts)
  ) {
    fail(
      `${where}: \`${field}.attempts\` must be a whole number from 0 to ${RETRY_LIMITS.maxAttempts} (got ${attempts}). Use 0 to disable retries.`,
    );
  }
  if (
    known(intervalSeconds) &&
    (!Number.isInteger(intervalSeconds) ||
      intervalSeconds < 1 ||
      intervalSeconds > RETRY_LIMITS.maxIntervalSeconds)
  ) {
    fail(
      `${where}: \`${field}.interval\` must be a whole number of seconds from 1 to ${RETRY_LIMITS.maxIntervalSeconds} (got ${Number.isNaN(intervalSeconds) ? 'a fraction of a second' : `${intervalSeconds} s`}). Use e.g. Duration.seconds(1).`,
    );
  }
  if (known(backoffRate) && !(Number.isFinite(backoffRate) && backoffRate >= 1)) {
    fail(
      `${where}: \`${field}.backoffRate\` must be at least 1 (got ${backoffRate}). Use 1 for a constant wait or 2 to double it each retry.`,
    );
  }
  if (
    known(maxDelaySeconds) &&
    (!Number.isInteger(maxDelaySeconds) ||
      maxDelaySeconds < 1 ||
      maxDelaySeconds > RETRY_LIMITS.maxDelaySeconds)
  ) {
    fail(
      `${where}: \`${field}.maxDelay\` must be a whole number of seconds from 1 to ${RETRY_LIMITS.maxDelaySeconds} (got ${Number.isNaN(maxDelaySeconds) ? 'a fraction of a second' : `${maxDelaySeconds} s`}). Use e.g. Duration.seconds(30).`,
    );
  }
  if (retry.jitter !== 'FULL' && retry.jitter !== 'NONE') {
    fail(`${where}: \`${field}.jitter\` must be 'FULL' or 'NONE' (got ${show(retry.jitter)}).`);
  }
}

export function validateTimeout(where: string, seconds: number): void {
  if (!known(seconds)) return;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > RETRY_LIMITS.maxTaskTimeoutSeconds) {
    fail(
      `${where}: \`timeout\` must be a whole number of seconds from 1 to ${RETRY_LIMITS.maxTaskTimeoutSeconds} (got ${Number.isNaN(seconds) ? 'a fraction of a second' : `${seconds} s`}). Use e.g. Duration.seconds(30).`,
    );
  }
}

const FIELD_TYPES = ['string', 'number', 'boolean', 'timestamp'];
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function validateInputSchema(sagaName: string, schema: SagaInputSchema): void {
  const fields = Object.entries(schema);
  if (fields.length === 0) {
    fail(
      `Saga "${sagaName}": \`inputSchema\` has no fields. Declare at least one field, or omit \`inputSchema\`.`,
    );
  }
  for (const [name, spec] of fields) {
    const type = typeof spec === 'string' ? spec : spec.type;
    if (!FIELD_NAME.test(name)) {
      fail(
        `Saga "${sagaName}": input field ${show(name)} is not a plain identifier (letters, digits and '_', not starting with a digit). Rename the field.`,
      );
    }
    if ((RESERVED_INPUT_KEYS as readonly string[]).includes(name)) {
      fail(
        `Saga "${sagaName}": input field ${show(name)} is reserved; the state machine writes step ${name} there. Rename the field.`,
      );
    }
    if (!FIELD_TYPES.includes(type)) {
      fail(
        `Saga "${sagaName}": input field ${show(name)} has type ${show(type)}; use one of ${FIELD_TYPES.map((t) => `'${t}'`).join(', ')}.`,
      );
    }
  }
}
