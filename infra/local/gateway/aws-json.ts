import type { ServerResponse } from 'node:http';
import { isAwsShapedError } from './backend.js';
import { send, toAwsJson } from './http-io.js';

export const AWS_JSON_1_0 = 'application/x-amz-json-1.0';
export const AWS_JSON_1_1 = 'application/x-amz-json-1.1';

/** Writes an AWS JSON error: `{"__type", "message"}` plus the `x-amzn-ErrorType` header the SDKs also read. */
export function sendAwsJsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  contentType = AWS_JSON_1_0,
): void {
  send(res, status, JSON.stringify({ __type: code, message, Message: message }), {
    'content-type': contentType,
    'x-amzn-errortype': code,
    'x-amzn-requestid': crypto.randomUUID(),
  });
}

export function sendAwsJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType = AWS_JSON_1_0,
): void {
  send(res, status, toAwsJson(body), {
    'content-type': contentType,
    'x-amzn-requestid': crypto.randomUUID(),
  });
}

/** Maps a thrown error to an AWS error response: service errors keep their code, anything else is a 500. */
export function sendThrown(res: ServerResponse, error: unknown, contentType = AWS_JSON_1_0): void {
  if (isAwsShapedError(error)) {
    sendAwsJsonError(res, error.statusCode, error.code, error.message, contentType);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  sendAwsJsonError(
    res,
    500,
    'InternalFailure',
    `The local cloud failed to handle the request: ${message}`,
    contentType,
  );
}
