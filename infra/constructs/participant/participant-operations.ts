import { StepsagaValidationError } from '../shared/validation-error.js';
import type { ParticipantProps } from './participant-props.js';
import type { ParticipantOperations } from './participant-ref.js';

/** The names the participant runtime accepts for actions and phases (`ParticipantRequest.action`). */
const OPERATION_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,79}$/;

function checkNames(participant: string, prop: string, names: readonly string[] | undefined): void {
  if (names === undefined) return;
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || !OPERATION_NAME.test(name)) {
      throw new StepsagaValidationError(
        `Participant "${participant}": \`${prop}\` holds ${JSON.stringify(name)}, which is not an operation name; use the key of the handler in defineParticipant (a letter, then up to 79 letters, digits, "-" or "_").`,
      );
    }
    if (seen.has(name)) {
      throw new StepsagaValidationError(
        `Participant "${participant}": \`${prop}\` lists "${name}" twice; list each name once.`,
      );
    }
    seen.add(name);
  }
}

/** The operations a Participant declares, checked; undefined when it declares none. */
export function declaredOperations(
  participant: string,
  props: ParticipantProps,
): ParticipantOperations | undefined {
  checkNames(participant, 'actions', props.actions);
  checkNames(participant, 'compensations', props.compensations);
  checkNames(participant, 'tcc.try', props.tcc?.try);
  checkNames(participant, 'tcc.confirm', props.tcc?.confirm);
  checkNames(participant, 'tcc.cancel', props.tcc?.cancel);
  if (props.actions === undefined && props.compensations === undefined && props.tcc === undefined)
    return undefined;
  return {
    ...(props.actions !== undefined || props.compensations !== undefined
      ? { actions: [...(props.actions ?? [])], compensations: [...(props.compensations ?? [])] }
      : {}),
    ...(props.tcc
      ? { try: [...props.tcc.try], confirm: [...props.tcc.confirm], cancel: [...props.tcc.cancel] }
      : {}),
  };
}

export type OperationKind = keyof ParticipantOperations;

const DESCRIBED: Readonly<Record<OperationKind, string>> = {
  actions: 'action',
  compensations: 'compensation',
  try: 'try handler',
  confirm: 'confirm handler',
  cancel: 'cancel handler',
};

/**
 * Why `name` is not one of the participant's declared operations of `kind`, or undefined when it is
 * (or when the participant declares nothing of that kind, so there is nothing to check against).
 */
export function missingOperation(
  operations: ParticipantOperations | undefined,
  kind: OperationKind,
  name: string,
): string | undefined {
  const offered = operations?.[kind];
  if (offered === undefined || offered.includes(name)) return undefined;
  const what = DESCRIBED[kind];
  return offered.length === 0
    ? `the participant declares no ${what}s`
    : `the participant has no ${what} "${name}"; its ${what}s are: ${offered.join(', ')}`;
}
