import { ErrorNames } from '../../../functions/runtime/errors.js';
import { type AslState, type AslValue, TRANSIENT_ERRORS } from '../saga/saga-definition.js';
import { PARK_RETRY, PARK_TIMEOUT_SECONDS, type ResolvedRetry } from '../saga/saga-plan.js';
import { member } from '../saga/saga-state-names.js';
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
}

/** `Fail` cause: every caught `{Error, Cause}` keyed by state name, as one JSON string. */
const ERRORS_AS_CAUSE = 'States.JsonToString($.errors)';

function retrier(errors: readonly string[], retry: ResolvedRetry): AslValue[] {
  if (retry.attempts === 0) return [];
  return [
    {
      ErrorEquals: [...errors],
      IntervalSeconds: retry.intervalSeconds,
      MaxAttempts: retry.attempts,
      BackoffRate: retry.backoffRate,
      MaxDelaySeconds: retry.maxDelaySeconds,
      JitterStrategy: retry.jitter,
    },
  ];
}

function withRetry(state: AslState, retry: AslValue[]): AslState {
  return retry.length > 0 ? { ...state, Retry: retry } : state;
}

function request(
  transactionName: string,
  participant: ResolvedTccParticipant,
  phase: TccPhaseName,
): AslState {
  return {
    'sagaId.$': '$$.Execution.Name',
    sagaName: transactionName,
    step: participant.name,
    phase,
    action: participant.actions[phase],
    'input.$': '$$.Execution.Input',
    // Confirm sees every Try result; Try runs first and Cancel may follow a Try that returned
    // nothing (the Parallel drops the results of its branches when one fails).
    ...(phase === 'confirm' ? { 'results.$': '$.results' } : { results: {} }),
  };
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

function catchInto(stateName: string, next: string): AslValue[] {
  return [{ ErrorEquals: ['States.ALL'], ResultPath: `$.errors${member(stateName)}`, Next: next }];
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
      // A refused Confirm (its Try was cancelled, or never committed) stays refused: park at once.
      ...(input.confirmRetry.attempts === 0
        ? []
        : [{ ErrorEquals: [ErrorNames.actionRefused], MaxAttempts: 0 }]),
      ...retrier(['States.ALL'], input.confirmRetry),
    ]),
    ResultPath: null,
    Catch: catchInto(TccStateNames.confirm, TccStateNames.park),
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
    Catch: catchInto(TccStateNames.cancel, TccStateNames.park),
    Next: TccStateNames.cancelled,
  };
  states[TccStateNames.park] = {
    Type: 'Task',
    Comment:
      'An operator must finish this transaction: Confirm (or Cancel) every participant again; the barrier makes repeats safe',
    Resource: 'arn:aws:states:::sqs:sendMessage',
    Parameters: {
      QueueUrl: input.parkedQueueUrl,
      MessageBody: {
        'sagaId.$': '$$.Execution.Name',
        sagaName: transactionName,
        'executionArn.$': '$$.Execution.Id',
        'parkedAt.$': '$$.State.EnteredTime',
        'errors.$': '$.errors',
      },
    },
    ResultPath: null,
    TimeoutSeconds: PARK_TIMEOUT_SECONDS,
    Retry: retrier(['States.ALL'], PARK_RETRY),
    Next: TccStateNames.parked,
  };
  states[TccStateNames.parked] = { Type: 'Fail', Error: ErrorNames.parked, CausePath: ERRORS_AS_CAUSE };
  states[TccStateNames.cancelled] = { Type: 'Fail', Error: ErrorNames.cancelled, CausePath: ERRORS_AS_CAUSE };
  states[TccStateNames.succeeded] = { Type: 'Succeed' };

  return {
    Comment: `TCC transaction ${transactionName}: Try, then Confirm or Cancel on ${names}`,
    StartAt: TccStateNames.try,
    ...(input.timeoutSeconds !== undefined ? { TimeoutSeconds: input.timeoutSeconds } : {}),
    States: states,
  };
}
