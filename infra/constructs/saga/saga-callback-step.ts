import { type Duration, Token } from 'aws-cdk-lib';
import { ErrorNames, LAMBDA_TRANSIENT_ERRORS } from '../../../functions/runtime/errors.js';
import type { AslState, AslValue } from '../orchestration/asl-value.js';
import { retrier } from '../orchestration/task-errors.js';
import type { ResolvedRetry, ResolvedStep } from './saga-plan.js';
import { SagaValidationError } from './saga-validation.js';

/**
 * Makes a step wait for an answer from outside the saga: the participant's action runs as usual
 * (barrier, business writes and outbox in one transaction) with a task token in its request
 * (`request.taskToken`), hands the token on (an outbox event, a queue, an e-mail with a link), and the
 * saga waits until someone answers with `answerCallback` (SendTaskSuccess or SendTaskFailure). The
 * answer's output is the step's result. A refusal, a missed heartbeat or the timeout compensates the
 * step like a business error; its compensation then undoes the action (and whatever the answer did,
 * which the participant learns of through its own records).
 */
export interface SagaStepCallback {
  /** How long the saga waits for the answer, from the start of the action. Whole seconds. */
  readonly timeout: Duration;
  /**
   * Longest gap between heartbeats (SendTaskHeartbeat) before the wait ends as `States.HeartbeatTimeout`;
   * for answers that take long and can prove they are still coming. Whole seconds, below `timeout`.
   * @default - no heartbeat
   */
  readonly heartbeat?: Duration;
}

/** A callback in Step Functions units. */
export interface ResolvedCallback {
  readonly timeoutSeconds: number;
  readonly heartbeatSeconds?: number;
}

const INVOKE_AND_WAIT = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

/**
 * Only failures of the invocation itself are retried. A timeout or a refusal is an answer: retrying
 * would invoke the participant again, whose barrier answers with the first result without handing
 * out the new token, so the retry could only time out again.
 */
export const CALLBACK_RETRY_ERRORS: readonly string[] = [ErrorNames.transient, ...LAMBDA_TRANSIENT_ERRORS];

/**
 * Turns a step's forward Task into its waiting form: the same request as `Payload`, plus the token;
 * the callback's timeout and heartbeat; the invocation's retry only. The Catch stays the step's own.
 */
export function callbackTask(task: AslState, callback: ResolvedCallback, retry: ResolvedRetry): AslState {
  const { Resource, Parameters, Retry: _ignored, ...rest } = task;
  return {
    ...rest,
    Resource: INVOKE_AND_WAIT,
    Parameters: {
      FunctionName: Resource as AslValue,
      Payload: { ...(Parameters as AslState), 'taskToken.$': '$$.Task.Token' },
    },
    TimeoutSeconds: callback.timeoutSeconds,
    ...(callback.heartbeatSeconds !== undefined ? { HeartbeatSeconds: callback.heartbeatSeconds } : {}),
    Retry: retrier(CALLBACK_RETRY_ERRORS, retry),
  };
}

/**
 * A callback step must be compensatable: the action committed before the wait began, so a refusal
 * or a timeout leaves something to undo. Express state machines cannot wait on a task token.
 */
export function validateCallbackStep(
  sagaName: string,
  step: ResolvedStep,
  type: 'STANDARD' | 'EXPRESS',
): void {
  const callback = step.callback;
  if (!callback) return;
  const where = `Saga "${sagaName}", step "${step.name}"`;
  if (type === 'EXPRESS') {
    throw new SagaValidationError(
      `${where}: a callback step waits on a task token, which an Express state machine cannot do. Use \`type: 'STANDARD'\` or remove \`callback\`.`,
    );
  }
  if (step.kind !== 'compensatable') {
    throw new SagaValidationError(
      `${where}: a callback step must be compensatable (got ${step.kind}): its action commits before the wait, and a refusal or timeout must undo it. Add \`compensation\` and place the step before the pivot, or remove \`callback\`.`,
    );
  }
  const { timeoutSeconds, heartbeatSeconds } = callback;
  if (
    Token.isUnresolved(timeoutSeconds) ||
    (heartbeatSeconds !== undefined && Token.isUnresolved(heartbeatSeconds))
  ) {
    return;
  }
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1) {
    throw new SagaValidationError(
      `${where}: \`callback.timeout\` must be whole seconds, at least 1 (got ${timeoutSeconds}). Use e.g. Duration.minutes(15).`,
    );
  }
  if (
    heartbeatSeconds !== undefined &&
    (!Number.isInteger(heartbeatSeconds) || heartbeatSeconds < 1 || heartbeatSeconds >= timeoutSeconds)
  ) {
    throw new SagaValidationError(
      `${where}: \`callback.heartbeat\` must be whole seconds from 1 to below the timeout of ${timeoutSeconds} s (got ${heartbeatSeconds}). Shorten the heartbeat or remove it.`,
    );
  }
}
