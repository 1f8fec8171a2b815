/** Names of the states a `TccTransaction` generates; they read well in the console graph. */
export const TccStateNames = {
  try: 'Try',
  confirm: 'Confirm',
  cancel: 'Cancel',
  succeeded: 'SagaSucceeded',
  cancelled: 'SagaCancelled',
  parked: 'SagaParked',
} as const;

export type TccPhaseName = 'try' | 'confirm' | 'cancel';

const PREFIX: Record<TccPhaseName, string> = { try: 'Try ', confirm: 'Confirm ', cancel: 'Cancel ' };

/** The Task state of one participant's phase, e.g. `Confirm Debit`. */
export function phaseStateName(phase: TccPhaseName, participant: string): string {
  return `${PREFIX[phase]}${participant}`;
}

/** The longest prefix a participant name gets in a state name. */
export const LONGEST_PHASE_PREFIX = Math.max(...Object.values(PREFIX).map((p) => p.length));
