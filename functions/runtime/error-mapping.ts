import type { AttributeValue, CancellationReason } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type BarrierRecord, parseBarrier } from './barrier.js';
import type { Phase } from './contract.js';
import { BusinessError, TransactionLimitError, TransientError } from './errors.js';
import type { Item } from './operations.js';
import type { StagedWrite } from './staging.js';

/** What each item of a runtime-built transaction is, in order. */
export type TransactionRole =
  | { readonly kind: 'barrier'; readonly phase: Phase }
  | { readonly kind: 'required'; readonly phase: Phase }
  | { readonly kind: 'excluded'; readonly phase: Phase }
  | { readonly kind: 'write'; readonly write: StagedWrite }
  | { readonly kind: 'outbox'; readonly eventType: string };

/**
 * A failed transaction either lost on a barrier condition (the caller decides: duplicate, refused,
 * or re-enter) or ends the invocation with an error Step Functions can match by name.
 */
export type TransactionFailure =
  | {
      readonly kind: 'barrier';
      readonly role: Extract<TransactionRole, { kind: 'barrier' | 'required' | 'excluded' }>;
      /** The barrier as it was, when DynamoDB returned it; undefined if it did not exist. */
      readonly existing: BarrierRecord | undefined;
      /** False when DynamoDB gave no old item, so the caller must read the barrier to know. */
      readonly existingKnown: boolean;
    }
  | { readonly kind: 'error'; readonly error: Error };

const TRANSIENT_REASONS = new Set([
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);

const TRANSIENT_ERROR_NAMES = new Set([
  'TransactionConflictException',
  'TransactionInProgressException',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

interface SdkError extends Error {
  readonly CancellationReasons?: CancellationReason[];
  readonly code?: string;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** Maps an error from TransactWriteItems, given the role of each item in the request. */
export function classifyTransactionError(
  error: unknown,
  roles: readonly TransactionRole[],
): TransactionFailure {
  if (!(error instanceof Error)) return { kind: 'error', error: new Error(String(error)) };
  const sdkError = error as SdkError;
  if (sdkError.name !== 'TransactionCanceledException' || !sdkError.CancellationReasons) {
    return { kind: 'error', error: mapSdkError(sdkError) };
  }
  const reasons = sdkError.CancellationReasons;

  // A barrier decides the outcome whatever else failed: a duplicate whose first delivery exhausted
  // the resource must return the first result, not a business error.
  for (const [index, reason] of reasons.entries()) {
    const role = roles[index];
    if (
      reason.Code === 'ConditionalCheckFailed' &&
      role &&
      (role.kind === 'barrier' || role.kind === 'required' || role.kind === 'excluded')
    ) {
      return {
        kind: 'barrier',
        role,
        existing: parseBarrier(reason.Item),
        existingKnown: reason.Item !== undefined,
      };
    }
  }
  const transient = reasons.find((reason) => reason.Code !== undefined && TRANSIENT_REASONS.has(reason.Code));
  if (transient) {
    return {
      kind: 'error',
      error: new TransientError(
        `DynamoDB cancelled the transaction (${transient.Code}: ${transient.Message ?? 'no message'}); retrying is safe.`,
      ),
    };
  }
  for (const [index, reason] of reasons.entries()) {
    const role = roles[index];
    if (reason.Code === 'ConditionalCheckFailed' && role?.kind === 'write') {
      return { kind: 'error', error: conditionError(role.write, reason.Item) };
    }
  }
  const described = reasons
    .map((reason, index) => ({ reason, role: roles[index] }))
    .filter(({ reason }) => reason.Code && reason.Code !== 'None')
    .map(
      ({ reason, role }) =>
        `${describeRole(role)}: ${reason.Code}${reason.Message ? ` (${reason.Message})` : ''}`,
    )
    .join('; ');
  if (reasons.some((reason) => reason.Code === 'ItemCollectionSizeLimitExceeded')) {
    return {
      kind: 'error',
      error: new TransactionLimitError(`DynamoDB cancelled the transaction: ${described}.`),
    };
  }
  return {
    kind: 'error',
    error: new Error(`DynamoDB cancelled the transaction: ${described || sdkError.message}`),
  };
}

/** Maps an SDK error outside a transaction cancellation (reads, or a rejected request). */
export function mapSdkError(error: Error): Error {
  const sdkError = error as SdkError;
  if (sdkError.name === 'ValidationException') {
    if (/multiple operations on one item/i.test(sdkError.message)) {
      return new TransactionLimitError(
        `DynamoDB refused the transaction: two operations touch the same item (${sdkError.message}). ` +
          'Merge them into one operation.',
      );
    }
    if (/size has exceeded|too large|exceed/i.test(sdkError.message)) {
      return new TransactionLimitError(`DynamoDB refused the transaction as too large: ${sdkError.message}`);
    }
    return error;
  }
  const status = sdkError.$metadata?.httpStatusCode;
  if (
    TRANSIENT_ERROR_NAMES.has(sdkError.name) ||
    (sdkError.code !== undefined && NETWORK_CODES.has(sdkError.code)) ||
    (status !== undefined && status >= 500)
  ) {
    return new TransientError(
      `DynamoDB request failed with ${sdkError.name}: ${sdkError.message}; retrying is safe.`,
    );
  }
  return error;
}

function conditionError(write: StagedWrite, old: Record<string, AttributeValue> | undefined): Error {
  const current = old === undefined ? undefined : (unmarshall(old) as Item);
  if (write.onConditionFailed) return write.onConditionFailed(current);
  const code = write.conditionName ?? 'CONDITION_FAILED';
  return new BusinessError(
    `Condition ${write.conditionName ? `"${write.conditionName}" ` : ''}failed on ${write.description}: ` +
      `${write.condition ?? '(none)'}; the item ${current === undefined ? 'does not exist' : 'exists but does not satisfy it'}.`,
    code,
  );
}

function describeRole(role: TransactionRole | undefined): string {
  if (!role) return 'unknown item';
  switch (role.kind) {
    case 'barrier':
      return `the ${role.phase} barrier`;
    case 'required':
      return `the check that ${role.phase} committed`;
    case 'excluded':
      return `the check that ${role.phase} has not committed`;
    case 'write':
      return role.write.description;
    case 'outbox':
      return `outbox event ${role.eventType}`;
  }
}
