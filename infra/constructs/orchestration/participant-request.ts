import type { StateBudget } from '../../../functions/runtime/contract.js';
import type { AslState, AslValue } from './asl-value.js';

export interface ParticipantRequestOptions {
  readonly sagaName: string;
  readonly step: string;
  readonly phase: string;
  readonly action: string;
  /** Whether `$.results` exists when the Task runs; when it does not, the request carries `{}`. */
  readonly resultsExist: boolean;
  /** The step's share of the saga state, which the participant runtime enforces. */
  readonly budget?: StateBudget;
  /** The step's lean payload: selected input fields and results, and the result fields to keep. */
  readonly payload?: {
    readonly input?: Readonly<Record<string, AslValue>>;
    readonly results?: Readonly<Record<string, AslValue>>;
    readonly keep?: readonly string[];
  };
}

/**
 * The Task `Parameters` that make a participant request (functions/runtime/contract.ts): the
 * execution name is the saga id, and the execution input travels with every call.
 */
export function participantRequest(options: ParticipantRequestOptions): AslState {
  return {
    'sagaId.$': '$$.Execution.Name',
    sagaName: options.sagaName,
    step: options.step,
    phase: options.phase,
    action: options.action,
    ...(options.payload?.input
      ? { input: { ...options.payload.input } }
      : { 'input.$': '$$.Execution.Input' }),
    ...(options.payload?.results
      ? { results: { ...options.payload.results } }
      : options.resultsExist
        ? { 'results.$': '$.results' }
        : { results: {} }),
    ...(options.budget ? { budget: { ...options.budget } } : {}),
    ...(options.payload?.keep ? { keep: [...options.payload.keep] } : {}),
  };
}
