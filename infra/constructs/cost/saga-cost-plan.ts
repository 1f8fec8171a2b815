/**
 * What the cost model needs to know about a saga, as plain JSON: no CDK types and no tokens, so the
 * same plan is computed at synth, stored in the template beside the state machine (resource metadata
 * {@link SAGA_COST_PLAN_METADATA}) and read back by `stepsaga cost` from any cloud assembly.
 */

/** Resource metadata key under which a saga's state machine carries its {@link SagaCostPlan}. */
export const SAGA_COST_PLAN_METADATA = 'stepsaga:cost-plan';

export interface ParticipantCostPlan {
  /** The participant's name, or the function's construct path when it is not a `Participant`. */
  readonly name: string;
  /** The function's memory; `undefined` when unknown at synth (a token or an imported function). */
  readonly memoryMb?: number;
}

/**
 * One step as the cost model sees it. `form` picks the transition counts in `STEP_FORM_COSTS`; the
 * members of a parallel group are consecutive steps with the same `group`; a new step form adds its
 * own entry and its own fields.
 */
export interface StepCostPlan {
  readonly form: string;
  readonly name: string;
  readonly kind: 'compensatable' | 'pivot' | 'retriable';
  /** The parallel group the step runs in, if any. */
  readonly group?: string;
  readonly participant: ParticipantCostPlan;
  readonly action: string;
  readonly compensation?: string;
  /** Retries after the first attempt of the forward phase. */
  readonly retryAttempts: number;
  /** For a child step: the child saga's name, whose executions bill their own transitions. */
  readonly childSaga?: string;
  /** For a compensatable child step: the compensation saga's name. */
  readonly compensationSaga?: string;
}

/** How the 256 KiB saga state is shared out, in bytes; all figures are upper bounds the participants enforce. */
export interface StateSizePlan {
  readonly limitBytes: number;
  readonly inputBytes: number;
  /** Per step, in step order: the most its kept result may take in the state. */
  readonly resultBytes: readonly number[];
  /** Whether each step declared its `maxResultBytes` (otherwise it got an equal share). */
  readonly resultDeclared: readonly boolean[];
  /** Room kept for caught errors and JSON keys. */
  readonly reservedBytes: number;
}

export interface SagaCostPlan {
  readonly sagaName: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  /** One `Choice` state before the first step. */
  readonly validatesInput: boolean;
  /** The outcomes published with one SQS Task each before their terminal state. */
  readonly publishes: readonly ('SagaSucceeded' | 'SagaCompensated' | 'SagaParked')[];
  /** A parked execution waits for an operator (one `Decide` Choice after the park Task). */
  readonly waitsForDecision: boolean;
  /** Retries after the first attempt of every compensation. */
  readonly compensationRetryAttempts: number;
  readonly steps: readonly StepCostPlan[];
  readonly stateSize?: StateSizePlan;
}

/** Whether a value read back from a template is a cost plan this version can price. */
export function isSagaCostPlan(value: unknown): value is SagaCostPlan {
  if (typeof value !== 'object' || value === null) return false;
  const plan = value as Partial<SagaCostPlan>;
  return typeof plan.sagaName === 'string' && Array.isArray(plan.steps) && Array.isArray(plan.publishes);
}
