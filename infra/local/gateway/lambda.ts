import type { ServerResponse } from 'node:http';
import { sendAwsJsonError, sendThrown } from './aws-json.js';
import type { GatewayService } from './backend.js';
import { send } from './http-io.js';

/** `POST /2015-03-31/functions/{FunctionName}/invocations[?Qualifier=...]` */
export const LAMBDA_INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;
/** `GET /2015-03-31/functions/` (ListFunctions) and `GET /2015-03-31/functions/{FunctionName}` (GetFunction). */
export const LAMBDA_FUNCTIONS_PATH = /^\/2015-03-31\/functions\/?([^/]*)\/?$/;
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
  const logType = headers['x-amz-log-type'];
  if (logType === 'Tail' || logType === 'None') request.LogType = logType;
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

/** ListFunctions (`?Marker=&MaxItems=`) and GetFunction over the cloud's Lambda service. */
export async function handleLambdaFunctions(
  lambda: GatewayService,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const name = decodeURIComponent(LAMBDA_FUNCTIONS_PATH.exec(url.pathname)?.[1] ?? '');
  try {
    const answer = name
      ? await lambda.call('GetFunction', { FunctionName: name })
      : await lambda.call('ListFunctions', {
          ...(url.searchParams.has('Marker') ? { Marker: url.searchParams.get('Marker') } : {}),
          ...(url.searchParams.has('MaxItems') ? { MaxItems: url.searchParams.get('MaxItems') } : {}),
        });
    send(res, 200, JSON.stringify(answer), {
      'content-type': REST_JSON,
      'x-amzn-requestid': crypto.randomUUID(),
    });
  } catch (error) {
    sendThrown(res, error, REST_JSON);
  }
}
