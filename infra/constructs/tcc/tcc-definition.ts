import { ErrorNames } from '../../../functions/runtime/errors.js';
import type { AslState, AslValue } from '../orchestration/asl-value.js';
import { parkStates } from '../orchestration/park-state.js';
import { parkStateName } from '../orchestration/park-state-names.js';
import { participantRequest } from '../orchestration/participant-request.js';
import { catchInto, failWithCaughtErrors, retrier, TRANSIENT_ERRORS } from '../orchestration/task-errors.js';
import type { ResolvedRetry } from '../saga/saga-plan.js';
import type { ResolvedTccParticipant } from './tcc-plan.js';
import { phaseStateName, type TccPhaseName, TccStateNames } from './tcc-state-names.js';

export interface TccDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Record<string, AslState>;
}

export interface TccDefinitionInput {
  readonly transactionName: string;
  readonly participants: readonly ResolvedTccParticipant[];
  readonly confirmRetry: ResolvedRetry;
  readonly cancelRetry: ResolvedRetry;
  readonly parkedQueueUrl: string;
  readonly timeoutSeconds?: number;
  /** How long a parked execution waits for a decision; `undefined` parks without waiting (Express). */
  readonly parkedDecisionTimeoutSeconds?: number;
}

function withRetry(state: AslState, retry: AslValue[]): AslState {
  return retry.length > 0 ? { ...state, Retry: retry } : state;
}

function request(
  transactionName: string,
  participant: ResolvedTccParticipant,
  phase: TccPhaseName,
): AslState {
  return participantRequest({
    sagaName: transactionName,
    step: participant.name,
    phase,
    action: participant.actions[phase],
    // Confirm sees every Try result; Try runs first and Cancel may follow a Try that returned
    // nothing (the Parallel drops the results of its branches when one fails).
    resultsExist: phase === 'confirm',
  });
}

/** A Parallel state whose branches each invoke one participant's phase. */
function parallel(
  input: TccDefinitionInput,
  phase: TccPhaseName,
  comment: string,
  retryOf: (p: ResolvedTccParticipant) => AslValue[],
): AslState {
  return {
    Type: 'Parallel',
    Comment: comment,
    Branches: input.participants.map((participant) => {
      const name = phaseStateName(phase, participant.name);
      return {
        StartAt: name,
        States: {
          [name]: withRetry(
            {
              Type: 'Task',
              Comment: `${phase} of ${participant.name}: ${participant.actions[phase]}`,
              Resource: participant.functionArn,
              Parameters: request(input.transactionName, participant, phase),
              TimeoutSeconds: participant.timeoutSeconds,
              End: true,
            },
            retryOf(participant),
          ),
        },
      };
    }),
  };
}

/** Maps the Parallel's array of branch results to an object keyed by participant name. */
function resultsByParticipant(participants: readonly ResolvedTccParticipant[]): AslState {
  return Object.fromEntries(participants.map((p) => [`${p.name}.$`, `$[${p.index}]`]));
}

/**
 * Builds the transaction's Amazon States Language definition (docs/tcc.md): JSONPath only, Try on
 * every participant in parallel, then Confirm on all or Cancel on all, and a park path. The happy
 * path of N participants costs 2N + 3 state transitions (two Parallel states, 2N Tasks, Succeed).
 */
export function buildTccDefinition(input: TccDefinitionInput): TccDefinition {
  const { transactionName, participants } = input;
  const names = participants.map((p) => p.name).join(', ');
  const states: Record<string, AslState> = {};

  states[TccStateNames.try] = {
    ...parallel(input, 'try', `Reserve on every participant at once: ${names}`, (p) =>
      retrier(TRANSIENT_ERRORS, p.tryRetry),
    ),
    ResultSelector: resultsByParticipant(participants),
    ResultPath: '$.results',
    // Any Try that failed or timed out (and may still commit) cancels every participant.
    Catch: catchInto(TccStateNames.try, TccStateNames.cancel),
    Next: TccStateNames.confirm,
  };
  states[TccStateNames.confirm] = {
    ...parallel(input, 'confirm', `Make every reservation final: ${names}`, () => [
      // A refused Confirm (its Try was cancelled, or never committed, or ran with another input)
      // stays refused: park at once.
      ...(input.confirmRetry.attempts === 0
        ? []
        : [{ ErrorEquals: [ErrorNames.actionRefused, ErrorNames.requestMismatch], MaxAttempts: 0 }]),
      ...retrier(['States.ALL'], input.confirmRetry),
    ]),
    ResultPath: null,
    Catch: catchInto(TccStateNames.confirm, parkStateName(TccStateNames.confirm)),
    Next: TccStateNames.succeeded,
  };
  states[TccStateNames.cancel] = {
    ...parallel(
      input,
      'cancel',
      `Release every reservation, including those whose Try failed (an empty cancel also blocks a late Try): ${names}`,
      () => retrier(['States.ALL'], input.cancelRetry),
    ),
    ResultPath: null,
    Catch: catchInto(TccStateNames.cancel, parkStateName(TccStateNames.cancel)),
    Next: TccStateNames.cancelled,
  };
  // retry runs the whole phase again on every participant (the barrier answers the ones that
  // already committed with their first result); skip means the operator finished the phase by hand.
  for (const [phase, skipTo] of [
    ['confirm', TccStateNames.succeeded],
    ['cancel', TccStateNames.cancelled],
  ] as const) {
    const failedState = phase === 'confirm' ? TccStateNames.confirm : TccStateNames.cancel;
    Object.assign(
      states,
      parkStates({
        failedState,
        step: failedState,
        phase,
        queueUrl: input.parkedQueueUrl,
        sagaName: transactionName,
        skipTo,
        abandonTo: TccStateNames.parked,
        ...(input.parkedDecisionTimeoutSeconds !== undefined
          ? { decisionTimeoutSeconds: input.parkedDecisionTimeoutSeconds }
          : {}),
        catchSendFailure: false,
      }),
    );
  }
  states[TccStateNames.parked] = failWithCaughtErrors(ErrorNames.parked);
  states[TccStateNames.cancelled] = failWithCaughtErrors(ErrorNames.cancelled);
  states[TccStateNames.succeeded] = { Type: 'Succeed' };

  return {
    Comment: `TCC transaction ${transactionName}: Try, then Confirm or Cancel on ${names}`,
    StartAt: TccStateNames.try,
    ...(input.timeoutSeconds !== undefined ? { TimeoutSeconds: input.timeoutSeconds } : {}),
    States: states,
  };
}
