import { ParkStatePrefixes } from '../../constructs/orchestration/park-state-names.js';
import { COMPENSATE_PREFIX } from '../../constructs/saga/saga-state-names.js';

/** What a state is for, as the console colours it in graphs and timelines. */
export type StateKind =
  | 'step'
  | 'compensation'
  | 'park'
  | 'decision'
  | 'outcome'
  | 'succeed'
  | 'fail'
  | 'flow';

/**
 * Classifies a state by the names stepsaga's constructs give their states (`Compensate X`,
 * `Park X`, `Decide X`, `Publish SagaCompensated`) and by its ASL type, so that hand-written state
 * machines still get a readable graph (Tasks as steps, Succeed and Fail as ends).
 */
export function stateKind(name: string, type: string | undefined): StateKind {
  if (type === 'Succeed') return 'succeed';
  if (type === 'Fail') return 'fail';
  if (name.startsWith(COMPENSATE_PREFIX) || /^Cancel\b/.test(name)) return 'compensation';
  if (name.startsWith(ParkStatePrefixes.park)) return 'park';
  if (name.startsWith(ParkStatePrefixes.decide)) return 'decision';
  if (name.startsWith('Publish ')) return 'outcome';
  if (type === 'Task' || type === 'Parallel' || type === 'Map') return 'step';
  return 'flow';
}
