import type { ServerResponse } from 'node:http';
import { sendAwsJsonError } from './aws-json.js';
import type { AwsShapedError } from './backend.js';
import { send } from './http-io.js';
import { queryErrorXml } from './sqs-query.js';

/** The APIs the gateway serves, as an authorizer tells them apart. */
export type GatewayApi = 'dynamodb' | 'dynamodb-streams' | 'sqs' | 'sns' | 'states' | 'events' | 'lambda';

/** One API call through the gateway, for an authorizer to evaluate before it is served. */
export interface GatewayCall {
  /** The access key id of the request's SigV4 credential, which tells the caller apart. */
  readonly accessKeyId: string | undefined;
  readonly api: GatewayApi;
  readonly operation: string;
  /** The request's parameters: the JSON body, or the query parameters as an object. */
  readonly request: Record<string, unknown>;
}

/** Returns the error to answer with when the call is refused, undefined to serve it. */
export type RequestAuthorizer = (call: GatewayCall) => AwsShapedError | undefined;

const CREDENTIAL = /Credential=([^/,\s]+)\//;

export function accessKeyIdOf(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  return header ? CREDENTIAL.exec(header)?.[1] : undefined;
}

/** A JSON body as an object; anything else (malformed, not an object) as an empty one. */
export function requestObject(body: Buffer | string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/**
 * Answers a denied call the way each service does: DynamoDB, Step Functions and EventBridge with a
 * 400 `AccessDeniedException`, Lambda with a 403 one, SQS with a 403 `AccessDenied`, SNS with a 403
 * `AuthorizationError`.
 */
export function sendAccessDenied(
  res: ServerResponse,
  api: GatewayApi,
  error: AwsShapedError,
  query: boolean,
): void {
  const requestId = crypto.randomUUID();
  switch (api) {
    case 'sqs':
      if (query) {
        send(res, 403, queryErrorXml('AccessDenied', error.message, 'Sender', requestId), {
          'content-type': 'text/xml',
        });
        return;
      }
      res.setHeader('x-amzn-query-error', 'AccessDenied;Sender');
      sendAwsJsonError(res, 403, 'com.amazonaws.sqs#AccessDenied', error.message);
      return;
    case 'sns':
      send(res, 403, queryErrorXml('AuthorizationError', error.message, 'Sender', requestId), {
        'content-type': 'text/xml',
      });
      return;
    case 'lambda':
      sendAwsJsonError(res, 403, 'AccessDeniedException', error.message, 'application/json');
      return;
    case 'events':
      sendAwsJsonError(res, 400, 'AccessDeniedException', error.message, 'application/x-amz-json-1.1');
      return;
    default:
      sendAwsJsonError(res, 400, 'AccessDeniedException', error.message);
  }
}
