/**
 * What the gateway needs from a running local cloud. `LocalCloud` satisfies it structurally; keeping
 * the gateway to this narrow shape lets it front any set of engines that speak the same protocols.
 */
import type { LocalResourceIndex } from '../types.js';
import type { RequestAuthorizer } from './authorization.js';

export interface GatewayService {
  call(operation: string, request: unknown): Promise<unknown>;
}

export interface GatewayBackend {
  /** The region the engines were set up in; the gateway rewrites each request's SigV4 scope to it. */
  readonly region: string;
  /** DynamoDB Local (also serves the DynamoDB Streams API). */
  readonly dynamoDbEndpoint: string;
  /** The SQS emulator (AWS JSON 1.0 protocol); it also serves SNS (query protocol). */
  readonly sqsEndpoint: string;
  /** Step Functions, AWS JSON 1.0 shapes: `call('StartExecution', request)` → response. */
  readonly stepFunctions: GatewayService;
  /** EventBridge, AWS JSON 1.1 shapes: `call('PutEvents', request)` → response. */
  readonly eventBridge: GatewayService;
  /** Lambda: `call('Invoke', { FunctionName, Payload, InvocationType, Qualifier? })` → `{ StatusCode, FunctionError?, Payload }`. */
  readonly lambda: GatewayService;
  /** The app's resources, for the web console's queue and table views; without them there is no console. */
  readonly resources?: LocalResourceIndex;
  /**
   * Evaluates each call before it is served (the local cloud's IAM); a returned error is the answer.
   * @default every call is served
   */
  readonly authorizeRequest?: RequestAuthorizer;
}

/** An error a local service raises with an AWS error code (`__type`) and an HTTP status. */
export interface AwsShapedError {
  readonly code: string;
  readonly statusCode: number;
  readonly message: string;
}

export function isAwsShapedError(error: unknown): error is AwsShapedError {
  if (!(error instanceof Error)) return false;
  const candidate = error as Error & { code?: unknown; statusCode?: unknown };
  return typeof candidate.code === 'string' && typeof candidate.statusCode === 'number';
}
