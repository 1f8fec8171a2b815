import type { ServerResponse } from 'node:http';
import { sendAwsJsonError } from './aws-json.js';
import { send } from './http-io.js';
import type { RequestKind } from './request-limits.js';
import { queryErrorXml } from './sqs-query.js';

export type RefusalReason = 'forbidden' | 'too-large';

/** Error codes in each protocol's vocabulary, so that SDKs raise a named error the caller can match. */
const CODES: Record<RefusalReason, Record<RequestKind['protocol'], string>> = {
  forbidden: {
    'aws-json': 'AccessDeniedException',
    'sqs-json': 'AccessDenied',
    'sqs-query': 'AccessDenied',
    'lambda-rest': 'AccessDeniedException',
  },
  'too-large': {
    'aws-json': 'RequestEntityTooLarge',
    'sqs-json': 'RequestEntityTooLarge',
    'sqs-query': 'RequestEntityTooLarge',
    // Lambda's own name for a payload over its quota.
    'lambda-rest': 'RequestTooLargeException',
  },
};

const STATUS: Record<RefusalReason, number> = { forbidden: 403, 'too-large': 413 };

/**
 * Answers a request the gateway will not serve, in the error shape of the protocol it came in:
 * `{"__type"}` JSON for the JSON protocols (SQS's also with `x-amzn-query-error`, which the SDKs
 * read for query-compatible services), an `ErrorResponse` document for the SQS query protocol.
 * The connection is closed: the refused body may not have been read.
 */
export function sendRefusal(
  res: ServerResponse,
  kind: RequestKind,
  reason: RefusalReason,
  message: string,
): void {
  const code = CODES[reason][kind.protocol];
  const status = STATUS[reason];
  res.setHeader('connection', 'close');
  switch (kind.protocol) {
    case 'sqs-query':
      send(res, status, queryErrorXml(code, message, 'Sender', crypto.randomUUID()), {
        'content-type': 'text/xml',
      });
      return;
    case 'sqs-json':
      res.setHeader('x-amzn-query-error', `${code};Sender`);
      sendAwsJsonError(res, status, `com.amazonaws.sqs#${code}`, message);
      return;
    case 'lambda-rest':
      sendAwsJsonError(res, status, code, message, 'application/json');
      return;
    default:
      sendAwsJsonError(res, status, code, message);
  }
}
