import type { TableKey } from '../runtime/keys.js';
import type { SagaOutcome, StepMark } from './tracked-events.js';

/**
 * The tracker table (participant key layout: `pk`/`sk`, TTL `expiresAt`): per saga one state item
 * and one item per step, under one partition so that one Query reads the whole saga.
 */
export const TRACKER_PREFIX = 'SAGA#';
export const TRACKER_STATE_SK = 'STATE';
export const TRACKER_STEP_PREFIX = 'STEP#';

export function trackerStateKey(sagaId: string): TableKey {
  return { pk: `${TRACKER_PREFIX}${sagaId}`, sk: TRACKER_STATE_SK };
}

export function trackerStepKey(sagaId: string, step: string): TableKey {
  return { pk: `${TRACKER_PREFIX}${sagaId}`, sk: `${TRACKER_STEP_PREFIX}${step}` };
}

/**
 * Each mark and outcome is its own timestamp attribute, set only if absent, so that events applied
 * in any order give the same state (SQS does not keep order between producers).
 */
export const markAttribute = (mark: StepMark | SagaOutcome): string => `${mark}At`;
