import { PARK_RETRY, PARK_TIMEOUT_SECONDS } from '../saga/saga-plan.js';
import type { AslState } from './asl-value.js';
import { catchInto, retrier } from './task-errors.js';

export interface ParkStateOptions {
  /** The park state's own name, under which a caught send failure is recorded. */
  readonly stateName: string;
  readonly comment: string;
  readonly queueUrl: string;
  /** The `sagaName` field of the parked message (the transaction name for TCC). */
  readonly sagaName: string;
  /** The terminal state after the message is sent. */
  readonly next: string;
  /** Whether a send that keeps failing still goes on to `next`, with the error in `$.errors`. */
  readonly catchSendFailure: boolean;
}

/** The Task that hands an execution to an operator: one message to the parked queue (ParkedSagaMessage). */
export function parkState(options: ParkStateOptions): AslState {
  return {
    Type: 'Task',
    Comment: options.comment,
    Resource: 'arn:aws:states:::sqs:sendMessage',
    Parameters: {
      QueueUrl: options.queueUrl,
      MessageBody: {
        'sagaId.$': '$$.Execution.Name',
        sagaName: options.sagaName,
        'executionArn.$': '$$.Execution.Id',
        'parkedAt.$': '$$.State.EnteredTime',
        'errors.$': '$.errors',
      },
    },
    ResultPath: null,
    TimeoutSeconds: PARK_TIMEOUT_SECONDS,
    Retry: retrier(['States.ALL'], PARK_RETRY),
    ...(options.catchSendFailure ? { Catch: catchInto(options.stateName, options.next) } : {}),
    Next: options.next,
  };
}
