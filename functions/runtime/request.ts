import type { StandardSchemaV1 } from '@standard-schema/spec';
import { type ParticipantRequest, PHASES, type Phase } from './contract.js';
import { InvalidRequestError } from './errors.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBudget(value: unknown): boolean {
  const positive = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0;
  return isRecord(value) && positive(value.inputBytes) && positive(value.resultBytes);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/**
 * Checks the envelope the state machine sends; the saga input is validated separately by the
 * participant's schema. Written by hand rather than with a schema library so that a participant's
 * bundle carries no validation library it did not choose.
 */
export function parseRequest(event: unknown): ParticipantRequest {
  const problems: string[] = [];
  if (!isRecord(event)) {
    problems.push(`expected an object, got ${Array.isArray(event) ? 'an array' : typeof event}`);
  } else {
    for (const field of ['sagaId', 'sagaName', 'step', 'action'] as const) {
      if (!nonEmptyString(event[field])) problems.push(`${field}: expected a non-empty string`);
    }
    // The saga name is part of the barrier key, where `#` separates it from the saga id; state
    // machine names cannot contain `#` either.
    if (typeof event.sagaName === 'string' && event.sagaName.includes('#')) {
      problems.push('sagaName: cannot contain "#"');
    }
    if (!PHASES.includes(event.phase as Phase)) {
      problems.push(`phase: expected one of ${PHASES.join(', ')}`);
    }
    if (!('input' in event)) problems.push('input: missing');
    if (event.results !== undefined && !isRecord(event.results)) problems.push('results: expected an object');
    if (
      event.keep !== undefined &&
      !(Array.isArray(event.keep) && event.keep.every((key) => nonEmptyString(key)))
    ) {
      problems.push('keep: expected a list of field names');
    }
    if (event.budget !== undefined && !isBudget(event.budget)) {
      problems.push('budget: expected {inputBytes, resultBytes}, positive whole numbers');
    }
  }
  if (problems.length > 0 || !isRecord(event)) {
    throw new InvalidRequestError(
      `The invocation is not a ParticipantRequest (fields sagaId, sagaName, step, phase, action, input, results): ${problems.join('; ')}`,
    );
  }
  return {
    ...(event as unknown as ParticipantRequest),
    results: isRecord(event.results) ? event.results : {},
  };
}

function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues
    .map((issue) => {
      const path = (issue.path ?? [])
        .map((segment) => String(typeof segment === 'object' ? segment.key : segment))
        .join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * Validates the saga input with the participant's schema: any Standard Schema (zod 4 and zod/mini,
 * valibot, ArkType, ...). Validation must be synchronous: a compensation parses its input lazily,
 * inside the transaction's preparation.
 */
export function parseInput<I>(
  schema: StandardSchemaV1<unknown, I>,
  request: ParticipantRequest,
  participant: string,
): I {
  const result = schema['~standard'].validate(request.input);
  if (result instanceof Promise) {
    throw new InvalidRequestError(
      `Participant ${participant}: its input schema validates asynchronously, which the participant runtime does not support; use a synchronous schema.`,
    );
  }
  if (result.issues) {
    throw new InvalidRequestError(
      `Saga ${request.sagaName} (${request.sagaId}) sent ${participant}.${request.action} an input that does not ` +
        `match the participant's schema: ${describeIssues(result.issues)}`,
    );
  }
  return result.value;
}
