import type { ParticipantCostPlan, StepCostPlan } from './saga-cost-plan.js';

/** What a participant invocation did, which decides its DynamoDB writes. */
export type InvocationEffect =
  /** An action that committed: barrier + business writes + outbox events. */
  | 'commit'
  /** A refusal (business error) or a failed attempt: nothing written. */
  | 'refused'
  /** A compensation that undid a committed action: barrier + condition on the action's barrier + writes + events. */
  | 'undo'
  /** A compensation for an action that never committed: its own barrier and a blocking one for a late action. */
  | 'empty-undo';

export interface Invocation {
  readonly participant: ParticipantCostPlan;
  readonly step: string;
  readonly phase: 'action' | 'compensation';
  readonly effect: InvocationEffect;
}

/** What one phase of a step costs when it runs once: the states it enters and the participants it invokes. */
export interface PhaseCost {
  readonly transitions: number;
  readonly invocations: readonly Invocation[];
}

/**
 * The counts of one step form. The path model in saga-cost-model.ts chains these (a parallel group's
 * members each by their own form, plus the group's `Parallel` state), so a new form adds its own
 * entry to {@link STEP_FORM_COSTS} and the report follows.
 */
export interface StepFormCost {
  /** The forward phase succeeding at its first attempt. */
  forward(step: StepCostPlan): PhaseCost;
  /** The forward phase refused at its first attempt (a business error): nothing committed. */
  refused(step: StepCostPlan): PhaseCost;
  /** The compensation undoing a committed forward phase at its first attempt; undefined without one. */
  compensation(step: StepCostPlan, effect: 'undo' | 'empty-undo'): PhaseCost | undefined;
  /** Transitions one retry of a phase adds (Step Functions bills every retry as a transition). */
  readonly transitionsPerRetry: number;
  /**
   * What the step's own compensation does after its forward phase was refused: undo a commit (a
   * callback's action commits before the refusing answer), an empty undo (nothing committed), or
   * nothing at all (a child saga that ended failed compensated itself; only earlier steps are undone).
   */
  readonly compensationAfterRefusal: 'undo' | 'empty-undo' | undefined;
  /** The refusal in words, for the compensating path's description. */
  refusal(step: StepCostPlan): string;
}

const invocation = (
  step: StepCostPlan,
  phase: Invocation['phase'],
  effect: InvocationEffect,
): Invocation => ({ participant: step.participant, step: step.name, phase, effect });

/** A step that is one Lambda Task forward and one Lambda Task to compensate. */
const taskStep: StepFormCost = {
  forward: (step) => ({ transitions: 1, invocations: [invocation(step, 'action', 'commit')] }),
  refused: (step) => ({ transitions: 1, invocations: [invocation(step, 'action', 'refused')] }),
  compensation: (step, effect) =>
    step.compensation === undefined
      ? undefined
      : { transitions: 1, invocations: [invocation(step, 'compensation', effect)] },
  transitionsPerRetry: 1,
  compensationAfterRefusal: 'empty-undo',
  refusal: (step) => `${step.name} refused (business error)`,
};

/**
 * A callback step is the same one Task with `.waitForTaskToken`: waiting for the answer is not a
 * transition, and the answer (SendTaskSuccess / SendTaskFailure) is not billed by Step Functions. Its
 * action commits before the wait, so a refusing answer leaves a commit that the compensation undoes.
 */
const callbackStep: StepFormCost = {
  ...taskStep,
  refused: (step) => ({ transitions: 1, invocations: [invocation(step, 'action', 'commit')] }),
  compensationAfterRefusal: 'undo',
  refusal: (step) => `${step.name} answered with a refusal`,
};

/**
 * A child saga step: one `startExecution.sync:2` Task in the parent, no participant invocation of its
 * own; its compensation is one more such Task running the compensation saga. The child's own
 * transitions, invocations and writes are billed to the child's execution (the report adds the child
 * saga's happy path when it prices it too). A child that ended failed has compensated itself, so
 * only the steps before it are compensated.
 */
const childStep: StepFormCost = {
  forward: () => ({ transitions: 1, invocations: [] }),
  refused: () => ({ transitions: 1, invocations: [] }),
  compensation: (step) => (step.compensation === undefined ? undefined : { transitions: 1, invocations: [] }),
  transitionsPerRetry: 1,
  compensationAfterRefusal: undefined,
  refusal: (step) =>
    `${step.name}'s child saga ${step.childSaga ?? step.name} ended failed (it compensated itself)`,
};

/** Transition counts per step form, keyed by `StepCostPlan.form`. */
export const STEP_FORM_COSTS: Readonly<Record<string, StepFormCost>> = {
  task: taskStep,
  callback: callbackStep,
  child: childStep,
};

export function stepFormCost(step: StepCostPlan): StepFormCost {
  const form = STEP_FORM_COSTS[step.form];
  if (!form) {
    throw new Error(
      `Step "${step.name}" has step form "${step.form}", which the cost model does not know (known: ${Object.keys(STEP_FORM_COSTS).join(', ')}). Add its counts to STEP_FORM_COSTS.`,
    );
  }
  return form;
}
