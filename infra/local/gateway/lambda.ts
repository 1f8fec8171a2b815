import type { ServerResponse } from 'node:http';
import { sendAwsJsonError, sendThrown } from './aws-json.js';
import type { GatewayService } from './backend.js';
import { send } from './http-io.js';

/** `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=...]` */
export const LAMBDA_INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
const REST_JSON = 'application/json';

interface InvokeResult {
  readonly StatusCode?: number;
  readonly FunctionError?: string;
  readonly Payload?: string | Uint8Array;
  readonly ExecutedVersion?: string;
  readonly LogResult?: string;
}

export async function handleLambdaInvoke(
  lambda: GatewayService,
  res: ServerResponse,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Promise<void> {
  const match = LAMBDA_INVOKE_PATH.exec(url.pathname);
  const functionName = decodeURIComponent(match?.[1] ?? '');
  const invocationType = (headers['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
  if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
    sendAwsJsonError(
      res,
      400,
      'InvalidParameterValueException',
      `X-Amz-Invocation-Type "${invocationType}" is not one of RequestResponse, Event, DryRun.`,
      REST_JSON,
    );
    return;
  }
  const request: Record<string, unknown> = {
    FunctionName: functionName,
    Payload: body.toString('utf8'),
    InvocationType: invocationType,
  };
  const qualifier = url.searchParams.get('Qualifier');
  if (qualifier) request.Qualifier = qualifier;
  let result: InvokeResult;
  try {
    result = ((await lambda.call('Invoke', request)) ?? {}) as InvokeResult;
  } catch (error) {
    sendThrown(res, error, REST_JSON);
    return;
  }
  const status =
    result.StatusCode ?? (invocationType === 'Event' ? 202 : invocationType === 'DryRun' ? 204 : 200);
  const responseHeaders: Record<string, string> = {
    'content-type': REST_JSON,
    'x-amz-executed-version': result.ExecutedVersion ?? '$LATEST',
    'x-amzn-requestid': crypto.randomUUID(),
  };
  if (result.FunctionError) responseHeaders['x-amz-function-error'] = result.FunctionError;
  if (result.LogResult) responseHeaders['x-amz-log-result'] = result.LogResult;
  const payload = result.Payload ?? '';
  send(res, status, typeof payload === 'string' ? payload : Buffer.from(payload), responseHeaders);
}
