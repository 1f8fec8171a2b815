import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { ErrorNames } from './errors.js';

/** How a callback step's wait ends: with the step's result, or refused (the saga compensates). */
export type CallbackAnswer =
  | { readonly result: unknown }
  | {
      /** @default ErrorNames.business: the saga compensates as for any business refusal */
      readonly error?: string;
      readonly cause: string;
    };

/**
 * `answered`: this call ended the wait. `already-closed`: the wait had already ended (an earlier
 * answer, the timeout, or the execution stopped); nothing changed, so a repeated answer (a webhook
 * delivered twice, an SQS message received again) is harmless.
 */
export type CallbackOutcome = 'answered' | 'already-closed';

export interface AnswerCallbackOptions {
  /** @default - one client per execution environment; the endpoint comes from AWS_ENDPOINT_URL */
  readonly client?: SFNClient;
}

let shared: SFNClient | undefined;
/** Created on first use, so participants that never answer a callback do not load the client. */
function defaultClient(): SFNClient {
  shared ??= new SFNClient({});
  return shared;
}

/**
 * Step Functions answers a token whose task is closed (answered before, timed out, or its execution
 * ended) with `TaskTimedOut`. `InvalidToken` means the token itself is malformed, which a repeat of
 * a good answer cannot cause, so it is not swallowed.
 */
function isClosed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'TaskTimedOut';
}

/**
 * Ends a callback step's wait: `{ result }` becomes the step's result under `$.results.<step>`;
 * `{ error, cause }` fails the step, and the saga compensates it and the steps before it.
 */
export async function answerCallback(
  taskToken: string,
  answer: CallbackAnswer,
  options: AnswerCallbackOptions = {},
): Promise<CallbackOutcome> {
  const client = options.client ?? defaultClient();
  const command =
    'result' in answer
      ? new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(answer.result ?? {}) })
      : new SendTaskFailureCommand({
          taskToken,
          error: answer.error ?? ErrorNames.business,
          cause: answer.cause,
        });
  try {
    await client.send(command as SendTaskSuccessCommand);
    return 'answered';
  } catch (error) {
    if (isClosed(error)) return 'already-closed';
    throw error;
  }
}

/**
 * Tells the waiting step the answer is still coming, for steps declared with a `callback.heartbeat`:
 * `waiting` while the step still waits, `already-closed` once it no longer does (stop working on it).
 */
export async function heartbeatCallback(
  taskToken: string,
  options: AnswerCallbackOptions = {},
): Promise<'waiting' | 'already-closed'> {
  const client = options.client ?? defaultClient();
  try {
    await client.send(new SendTaskHeartbeatCommand({ taskToken }));
    return 'waiting';
  } catch (error) {
    if (isClosed(error)) return 'already-closed';
    throw error;
  }
}
