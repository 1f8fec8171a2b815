import type { IncomingMessage } from 'node:http';
import { LAMBDA_INVOKE_PATH } from './lambda.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Room for everything in a request besides its payload (names, attributes, ARNs, tokens). */
const ENVELOPE = 64 * KiB;
/** Worst-case growth of a payload when it is a JSON string (`\u0000` is 6 bytes for 1). */
const JSON_STRING_EXPANSION = 6;
/** Worst-case growth of a payload when it is form-encoded (`%XX` is 3 bytes for 1). */
const FORM_EXPANSION = 3;

/**
 * The largest request body the gateway reads for each API: the largest payload AWS accepts there,
 * as the protocol encodes it, plus an envelope. A request beyond it could never succeed on AWS, and
 * reading it would let any client make the local cloud buffer without bound.
 */
export const REQUEST_BODY_LIMITS = {
  /** BatchWriteItem "can transmit up to 16 MB of data over the network", the largest DynamoDB request. */
  dynamodb: 16 * MiB,
  /** Execution input, task output and the like are at most 256 KiB, carried as JSON strings. */
  stepFunctions: 256 * KiB * JSON_STRING_EXPANSION + ENVELOPE,
  /** A message, or a whole batch, is at most 1 MiB (the largest MaximumMessageSize). */
  sqsJson: MiB * JSON_STRING_EXPANSION + ENVELOPE,
  sqsQuery: MiB * FORM_EXPANSION + ENVELOPE,
  /** The payload is the body: 6 MB for a synchronous invocation, 1 MiB for an asynchronous one. */
  lambdaRequestResponse: 6 * MiB,
  lambdaEvent: MiB,
  /** Anything else the gateway answers (health, unsupported operations): no body is needed. */
  other: 64 * KiB,
} as const;

export type RequestProtocol = 'aws-json' | 'sqs-json' | 'sqs-query' | 'lambda-rest';

export interface RequestKind {
  /** The error shape a refusal must take for the client to parse it. */
  readonly protocol: RequestProtocol;
  /** What the client called, for messages: `DynamoDB_20120810.PutItem`, `Lambda Invoke`, … */
  readonly api: string;
  readonly bodyLimit: number;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** What a request is, from its method, path and headers alone (before its body is read). */
export function classifyRequest(req: IncomingMessage): RequestKind {
  const target = header(req, 'x-amz-target');
  const contentType = header(req, 'content-type') ?? '';
  const pathname = new URL(req.url ?? '/', 'http://gateway').pathname;
  if (target) {
    const service = target.split('.', 1)[0];
    if (service === 'AmazonSQS')
      return { protocol: 'sqs-json', api: target, bodyLimit: REQUEST_BODY_LIMITS.sqsJson };
    if (service === 'DynamoDB_20120810' || service === 'DynamoDBStreams_20120810')
      return { protocol: 'aws-json', api: target, bodyLimit: REQUEST_BODY_LIMITS.dynamodb };
    if (service === 'AWSStepFunctions')
      return { protocol: 'aws-json', api: target, bodyLimit: REQUEST_BODY_LIMITS.stepFunctions };
    return { protocol: 'aws-json', api: target, bodyLimit: REQUEST_BODY_LIMITS.other };
  }
  if (req.method === 'POST' && contentType.includes('application/x-www-form-urlencoded'))
    return { protocol: 'sqs-query', api: 'SQS (query protocol)', bodyLimit: REQUEST_BODY_LIMITS.sqsQuery };
  if (req.method === 'POST' && LAMBDA_INVOKE_PATH.test(pathname)) {
    const event = header(req, 'x-amz-invocation-type') === 'Event';
    return {
      protocol: 'lambda-rest',
      api: `Lambda Invoke (${event ? 'Event' : 'RequestResponse'})`,
      bodyLimit: event ? REQUEST_BODY_LIMITS.lambdaEvent : REQUEST_BODY_LIMITS.lambdaRequestResponse,
    };
  }
  return { protocol: 'aws-json', api: `${req.method} ${pathname}`, bodyLimit: REQUEST_BODY_LIMITS.other };
}

/** Bytes the gateway still reads (and drops) from a refused body, so the client can read the answer. */
const DRAIN_LIMIT = 16 * MiB;

/**
 * Reads a body of at most `limit` bytes. Past the limit it stops keeping the bytes and returns
 * `undefined` at once; the rest is read and dropped (up to a bound, then the connection is cut) so
 * that a client still sending can receive the refusal.
 */
export async function readBodyWithin(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(header(req, 'content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    discardBody(req);
    return undefined;
  }
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        discardBody(req);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Reads and drops a body the gateway refuses, up to a bound, then cuts the connection. */
export function discardBody(req: IncomingMessage): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_LIMIT) req.socket.destroy();
  });
  req.on('error', () => {});
  req.resume();
}
