import { DECISION_KEY, ParkedDecisions } from '../../../functions/runtime/parked-decision.js';
import { PARK_RETRY, PARK_TIMEOUT_SECONDS } from '../saga/saga-plan.js';
import { member } from '../saga/saga-state-names.js';
import type { AslState } from './asl-value.js';
import { decideStateName, parkStateName } from './park-state-names.js';
import { catchInto, retrier } from './task-errors.js';

const SEND = 'arn:aws:states:::sqs:sendMessage';
const SEND_AND_WAIT = 'arn:aws:states:::sqs:sendMessage.waitForTaskToken';

export interface ParkStatesOptions {
  /** The state whose lasting failure parks the execution; its error is at `$.errors.<failedState>`. */
  readonly failedState: string;
  /** The step (or TCC phase state) the failed state belongs to, and its phase, for the operator. */
  readonly step: string;
  readonly phase: string;
  readonly queueUrl: string;
  /** The `sagaName` field of the parked message (the transaction name for TCC). */
  readonly sagaName: string;
  /** Where `skip` goes: the state that would have followed the failed state's success. */
  readonly skipTo: string;
  /** Where `abandon`, a decision timeout and a send that keeps failing go (the SagaParked path). */
  readonly abandonTo: string;
  /**
   * How long to wait for a decision; `undefined` sends the message and goes to `abandonTo` at once
   * (Express state machines cannot wait on a task token).
   */
  readonly decisionTimeoutSeconds?: number;
  /** Whether a send that keeps failing still goes on to `abandonTo`, with the error in `$.errors`. */
  readonly catchSendFailure: boolean;
}

/**
 * The states that hand a failed state to an operator: `Park <state>` sends a ParkedSagaMessage with a
 * task token and waits; `Decide <state>` sends `retry` back to the failed state, `skip` on to the
 * state after it and anything else to `abandonTo`. Two transitions per decision, none on success.
 */
export function parkStates(options: ParkStatesOptions): Record<string, AslState> {
  const park = parkStateName(options.failedState);
  const decide = decideStateName(options.failedState);
  const waits = options.decisionTimeoutSeconds !== undefined;
  const failed = `$.errors${member(options.failedState)}`;
  const parkState: AslState = {
    Type: 'Task',
    Comment: waits
      ? `${options.failedState} failed after its retries: an operator decides (retry, skip or abandon) through the parked-sagas queue`
      : `${options.failedState} failed after its retries: an operator must finish or undo it (see the parked-sagas queue)`,
    Resource: waits ? SEND_AND_WAIT : SEND,
    Parameters: {
      QueueUrl: options.queueUrl,
      MessageBody: {
        'sagaId.$': '$$.Execution.Name',
        sagaName: options.sagaName,
        'executionArn.$': '$$.Execution.Id',
        state: options.failedState,
        step: options.step,
        phase: options.phase,
        'error.$': `${failed}.Error`,
        'cause.$': `${failed}.Cause`,
        'parkedAt.$': '$$.State.EnteredTime',
        'errors.$': '$.errors',
        ...(waits
          ? { 'taskToken.$': '$$.Task.Token', decisionTimeoutSeconds: options.decisionTimeoutSeconds }
          : {}),
      },
    },
    ResultPath: waits ? `$.${DECISION_KEY}` : null,
    TimeoutSeconds: waits ? options.decisionTimeoutSeconds : PARK_TIMEOUT_SECONDS,
    // A decision that never comes must not send the message again: a timeout abandons at once.
    Retry: [
      ...(waits ? [{ ErrorEquals: ['States.Timeout'], MaxAttempts: 0 }] : []),
      ...retrier(['States.ALL'], PARK_RETRY),
    ],
    ...(options.catchSendFailure || waits ? { Catch: catchInto(park, options.abandonTo) } : {}),
    Next: waits ? decide : options.abandonTo,
  };
  if (!waits) return { [park]: parkState };
  const decision = `$.${DECISION_KEY}.decision`;
  return {
    [park]: parkState,
    [decide]: {
      Type: 'Choice',
      Comment: 'The operator decides: retry runs the failed state again, skip goes on as if it had succeeded',
      Choices: [
        { Variable: decision, StringEquals: ParkedDecisions.retry, Next: options.failedState },
        { Variable: decision, StringEquals: ParkedDecisions.skip, Next: options.skipTo },
      ],
      Default: options.abandonTo,
    },
  };
}
