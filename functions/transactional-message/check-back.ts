import { InvokeCommand, type InvokeCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda';
import type { CheckBackTarget } from './config.js';

/** What a check-back receives: enough to find the producer's local transaction. */
export interface CheckBackRequest {
  readonly messageId: string;
  readonly transactionId: string;
  readonly messageType: string;
  readonly payload: unknown;
  readonly preparedAt: string;
  /** 1 for the first check-back of this message. */
  readonly check: number;
  readonly maxChecks: number;
}

/** A check-back's answer about a prepared message: commit it, roll it back, or not known yet (asked again later). */
export type CheckBackStatus = 'COMMIT' | 'ROLLBACK' | 'UNKNOWN';

export const CHECK_BACK_STATUSES: readonly CheckBackStatus[] = ['COMMIT', 'ROLLBACK', 'UNKNOWN'];

/** What a check-back answers: `{"status": "COMMIT" | "ROLLBACK" | "UNKNOWN"}`, optionally with a `detail`. */
export interface CheckBackResponse {
  readonly status: CheckBackStatus;
  /** Why the answer is UNKNOWN (e.g. "transaction still running"); recorded on the message. */
  readonly detail?: string;
}

/** The answer as the sweeper uses it: a failed call is UNKNOWN with the failure as its detail. */
export interface CheckBackAnswer {
  readonly status: CheckBackStatus;
  readonly detail?: string;
}

export interface CheckBackContext {
  readonly lambda: LambdaClient;
  readonly timeoutMs: number;
}

const EXPECTED = '{"status":"COMMIT"|"ROLLBACK"|"UNKNOWN"}';

function parseAnswer(text: string, from: string): CheckBackAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return {
      status: 'UNKNOWN',
      detail: `${from} answered ${JSON.stringify(text.slice(0, 200))}, which is not JSON ${EXPECTED}`,
    };
  }
  const status = (body as { status?: unknown } | null)?.status;
  if (typeof status !== 'string' || !CHECK_BACK_STATUSES.includes(status as CheckBackStatus)) {
    return {
      status: 'UNKNOWN',
      detail: `${from} answered ${JSON.stringify(text.slice(0, 200))}; expected ${EXPECTED}`,
    };
  }
  const detail = (body as { detail?: unknown }).detail;
  if (status === 'UNKNOWN') {
    return {
      status,
      detail: `${from} answered UNKNOWN${typeof detail === 'string' && detail ? `: ${detail.slice(0, 500)}` : ''}`,
    };
  }
  return { status: status as CheckBackStatus };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    // fetch reports network failures as "fetch failed"; the cause says which (ECONNREFUSED, timeout).
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}

async function askWebhook(
  url: string,
  request: CheckBackRequest,
  timeoutMs: number,
): Promise<CheckBackAnswer> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'stepsaga-check-back',
        'x-stepsaga-message-id': request.messageId,
        'x-stepsaga-check': String(request.check),
      },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { status: 'UNKNOWN', detail: `Check-back ${url} could not be reached: ${describeError(error)}` };
  }
  const text = await response.text().catch(() => '');
  if (response.status < 200 || response.status >= 300) {
    return {
      status: 'UNKNOWN',
      detail: `Check-back ${url} answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    };
  }
  return parseAnswer(text, `Check-back ${url}`);
}

async function askFunction(
  functionName: string,
  request: CheckBackRequest,
  context: CheckBackContext,
): Promise<CheckBackAnswer> {
  let result: InvokeCommandOutput;
  try {
    result = await context.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
      { abortSignal: AbortSignal.timeout(context.timeoutMs) },
    );
  } catch (error) {
    return {
      status: 'UNKNOWN',
      detail: `Invoking check-back function ${functionName} failed: ${describeError(error)}`,
    };
  }
  const text = result.Payload ? new TextDecoder().decode(result.Payload) : '';
  if (result.FunctionError) {
    return {
      status: 'UNKNOWN',
      detail: `Check-back function ${functionName} failed (${result.FunctionError}): ${text.slice(0, 300)}`,
    };
  }
  return parseAnswer(text, `Check-back function ${functionName}`);
}

/**
 * Asks the producer whether the transaction behind a prepared message committed. Never throws: an
 * unreachable endpoint, an error status, a timeout or a malformed answer is UNKNOWN with the reason,
 * so that it counts against the check budget like any other UNKNOWN.
 */
export function askCheckBack(
  target: CheckBackTarget,
  request: CheckBackRequest,
  context: CheckBackContext,
): Promise<CheckBackAnswer> {
  return target.kind === 'webhook'
    ? askWebhook(target.url, request, context.timeoutMs)
    : askFunction(target.functionName, request, context);
}
