import { Token } from 'aws-cdk-lib';
import { FORBIDDEN_NAME_CHARACTERS, MAX_STATE_NAME_LENGTH } from '../saga/saga-state-names.js';
import { SagaValidationError } from '../saga/saga-validation.js';
import type { TccParticipant } from './tcc-props.js';
import { LONGEST_PHASE_PREFIX, phaseStateName } from './tcc-state-names.js';

const FORBIDDEN_LIST = `no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ \` $ & , ; : / '`;

function fail(message: string): never {
  throw new SagaValidationError(message);
}

function show(value: unknown): string {
  return JSON.stringify(value);
}

export function validateTransactionName(name: string): void {
  if (Token.isUnresolved(name)) return;
  if (name.length === 0 || name.length > MAX_STATE_NAME_LENGTH) {
    fail(
      `TccTransaction name ${show(name)} must be 1 to ${MAX_STATE_NAME_LENGTH} characters long (got ${name.length}). Pass a shorter \`transactionName\`.`,
    );
  }
  const match = name.match(FORBIDDEN_NAME_CHARACTERS);
  if (match) {
    fail(
      `TccTransaction name ${show(name)} contains ${show(match[0])}, which a state machine name cannot contain (${FORBIDDEN_LIST}). Pass a \`transactionName\` of letters, digits, '-' and '_'.`,
    );
  }
}

const PHASE_FIELDS = ['try', 'confirm', 'cancel'] as const;

/** Checks that need only the declared participants: their number, names and handler names. */
export function validateParticipantDeclarations(
  transactionName: string,
  participants: readonly TccParticipant[],
): void {
  if (participants.length === 0) {
    fail(
      `TccTransaction "${transactionName}" has no participants. Declare at least one in \`participants\`, each with a name and a participant.`,
    );
  }
  const seen = new Set<string>();
  for (const participant of participants) {
    const { name } = participant;
    const where = `TccTransaction "${transactionName}", participant ${show(name)}`;
    if (Token.isUnresolved(name)) {
      fail(`${where}: a participant name must be a literal string, not a token. Use a fixed name.`);
    }
    if (name.length === 0) {
      fail(
        `TccTransaction "${transactionName}": a participant has an empty name. Give every participant a name, e.g. "Debit".`,
      );
    }
    if (seen.has(name)) {
      fail(
        `${where}: the name is used by another participant; each participant's barrier, result and states are keyed by it. Rename one of them.`,
      );
    }
    seen.add(name);
    const match = name.match(FORBIDDEN_NAME_CHARACTERS);
    if (match) {
      fail(
        `${where}: the name contains ${show(match[0])}, which a participant name cannot contain (${FORBIDDEN_LIST}). Use letters, digits, '-' and '_', e.g. "Debit".`,
      );
    }
    const longest = phaseStateName('confirm', name);
    if (longest.length > MAX_STATE_NAME_LENGTH) {
      fail(
        `${where}: the state name ${show(longest)} is ${longest.length} characters long; Step Functions allows ${MAX_STATE_NAME_LENGTH}. Shorten the participant name to at most ${MAX_STATE_NAME_LENGTH - LONGEST_PHASE_PREFIX} characters.`,
      );
    }
    for (const field of PHASE_FIELDS) {
      const action = participant[field];
      if (action !== undefined && !Token.isUnresolved(action) && action.length === 0) {
        fail(
          `${where}: \`${field}\` is empty. Name the participant's tcc.${field} handler, or omit it to use "${field}".`,
        );
      }
    }
  }
}
