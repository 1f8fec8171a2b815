// Kept apart from the park states themselves, which need aws-cdk-lib: the operations API, the console
// and the local cloud's CLI recognise parked sagas by these names without loading the CDK.

/** The Task that parks one state and the Choice that acts on the operator's decision. */
export const ParkStatePrefixes = { park: 'Park ', decide: 'Decide ' } as const;

/** `Park Compensate ReserveInventory`: parks the execution after that state failed for good. */
export function parkStateName(failedState: string): string {
  return `${ParkStatePrefixes.park}${failedState}`;
}

/** `Decide Compensate ReserveInventory`: routes the operator's decision about that state. */
export function decideStateName(failedState: string): string {
  return `${ParkStatePrefixes.decide}${failedState}`;
}

/** The longest prefix a parkable state's name gets (the state-name length check uses it). */
export const LONGEST_PARK_PREFIX = Math.max(...Object.values(ParkStatePrefixes).map((p) => p.length));
