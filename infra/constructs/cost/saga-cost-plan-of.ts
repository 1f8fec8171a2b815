import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { SagaOutcomeType } from '../../../functions/runtime/saga-outcome-message.js';
import type { ParticipantRef } from '../participant/participant-ref.js';
import type { ResolvedRetry, ResolvedStep } from '../saga/saga-plan.js';
import type { SagaType } from '../saga/saga-props.js';
import {
  ERRORS_RESERVE_BYTES,
  KEY_OVERHEAD_BYTES,
  type SagaStateBudget,
  STATE_LIMIT_BYTES,
} from '../saga/saga-state-budget.js';
import type { ParticipantCostPlan, SagaCostPlan } from './saga-cost-plan.js';

export interface SagaCostPlanInput {
  readonly sagaName: string;
  readonly type: SagaType;
  readonly steps: readonly ResolvedStep[];
  /** Per step, the participant it invokes; undefined for a child step. */
  readonly participants: readonly (ParticipantRef | undefined)[];
  readonly validatesInput: boolean;
  readonly publishes: readonly SagaOutcomeType[];
  readonly waitsForDecision: boolean;
  readonly compensationRetry: ResolvedRetry;
  readonly budget?: SagaStateBudget;
  /** Whether each step declared `maxResultBytes`. */
  readonly resultDeclared?: readonly boolean[];
}

const known = (value: number | undefined): number | undefined =>
  value === undefined || Token.isUnresolved(value) ? undefined : value;

function participantPlan(ref: ParticipantRef, fn: lambda.IFunction): ParticipantCostPlan {
  const name = 'functionArn' in ref ? undefined : ref.participantName;
  const cfn = fn.node.defaultChild;
  const memoryMb = cfn instanceof lambda.CfnFunction ? known(cfn.memorySize) : undefined;
  return {
    name: name && !Token.isUnresolved(name) ? name : fn.node.path,
    ...(memoryMb !== undefined ? { memoryMb } : {}),
  };
}

/** The saga's cost plan, read from what the `Saga` construct resolved. Token-free by construction. */
export function sagaCostPlanOf(input: SagaCostPlanInput): SagaCostPlan {
  const budget = input.budget;
  return {
    sagaName: input.sagaName,
    type: input.type,
    validatesInput: input.validatesInput,
    publishes: [...input.publishes],
    waitsForDecision: input.waitsForDecision,
    compensationRetryAttempts: known(input.compensationRetry.attempts) ?? 0,
    steps: input.steps.map((step) => ({
      form: step.child ? 'child' : step.callback ? 'callback' : 'task',
      name: step.name,
      kind: step.kind,
      ...(step.group !== undefined ? { group: step.group } : {}),
      participant:
        step.child || !step.function
          ? { name: `saga ${step.child?.sagaName ?? step.name}` }
          : participantPlan(input.participants[step.index]!, step.function),
      action: step.action,
      ...(step.compensation !== undefined ? { compensation: step.compensation } : {}),
      retryAttempts: known(step.retry.attempts) ?? 0,
      ...(step.child ? { childSaga: step.child.sagaName } : {}),
      ...(step.child?.compensation ? { compensationSaga: step.child.compensation.sagaName } : {}),
    })),
    ...(budget
      ? {
          stateSize: {
            limitBytes: STATE_LIMIT_BYTES,
            inputBytes: budget.inputBytes,
            resultBytes: [...budget.resultBytes],
            resultDeclared: [...(input.resultDeclared ?? budget.resultBytes.map(() => false))],
            // What the budget keeps back: the errors reserve and the keys of the state's JSON.
            reservedBytes: ERRORS_RESERVE_BYTES + KEY_OVERHEAD_BYTES * (input.steps.length + 1),
          },
        }
      : {}),
  };
}
