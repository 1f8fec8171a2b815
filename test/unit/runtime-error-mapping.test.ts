import {
  type CancellationReason,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import {
  classifyTransactionError,
  mapSdkError,
  type TransactionRole,
} from '../../functions/runtime/error-mapping.js';
import { BusinessError, ErrorNames } from '../../functions/runtime/index.js';
import type { StagedWrite } from '../../functions/runtime/staging.js';

const write = (overrides: Partial<StagedWrite> = {}): StagedWrite => ({
  item: {},
  description: 'Update of T {"pk":"SKU#a","sk":"STOCK"}',
  identity: undefined,
  condition: 'available >= :qty',
  conditionName: undefined,
  onConditionFailed: undefined,
  ...overrides,
});

const cancelled = (...reasons: CancellationReason[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons,
  });

const roles = (w = write()): TransactionRole[] => [
  { kind: 'barrier', phase: 'action' },
  { kind: 'write', write: w },
  { kind: 'outbox', eventType: 'E' },
];

const barrierItem = marshall({
  pk: 'BARRIER#s',
  sk: 'S#action',
  status: 'committed',
  result: '{"a":1}',
  phase: 'action',
});

describe('classifyTransactionError', () => {
  it('lets a failed barrier win over a failed user condition, returning the old barrier', () => {
    const failure = classifyTransactionError(
      cancelled(
        { Code: 'ConditionalCheckFailed', Item: barrierItem },
        { Code: 'ConditionalCheckFailed' },
        { Code: 'None' },
      ),
      roles(),
    );
    expect(failure).toMatchObject({
      kind: 'barrier',
      existingKnown: true,
      existing: { status: 'committed', result: '{"a":1}' },
    });
  });

  it('names a failed user condition in a SagaBusinessError', () => {
    const failure = classifyTransactionError(
      cancelled(
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Item: marshall({ available: 1 }) },
        { Code: 'None' },
      ),
      roles(write({ conditionName: 'ENOUGH_STOCK' })),
    );
    expect(failure.kind === 'error' && failure.error).toMatchObject({
      name: ErrorNames.business,
      code: 'ENOUGH_STOCK',
      message:
        'Condition "ENOUGH_STOCK" failed on Update of T {"pk":"SKU#a","sk":"STOCK"}: available >= :qty; the item exists but does not satisfy it.',
    });
  });

  it('hands the old item to onConditionFailed', () => {
    const failure = classifyTransactionError(
      cancelled(
        { Code: 'None' },
        { Code: 'ConditionalCheckFailed', Item: marshall({ available: 1 }) },
        { Code: 'None' },
      ),
      roles(
        write({
          onConditionFailed: (current) => new BusinessError(`only ${String(current?.available)}`, 'LOW'),
        }),
      ),
    );
    expect(failure.kind === 'error' && failure.error).toMatchObject({ code: 'LOW', message: 'only 1' });
  });

  it.each([
    'TransactionConflict',
    'ThrottlingError',
    'ProvisionedThroughputExceeded',
    'RequestLimitExceeded',
  ])('maps a %s reason to SagaTransientError', (code) => {
    const failure = classifyTransactionError(
      cancelled({ Code: 'None' }, { Code: code }, { Code: 'None' }),
      roles(),
    );
    expect(failure.kind === 'error' && failure.error.name).toBe(ErrorNames.transient);
  });

  it('maps ItemCollectionSizeLimitExceeded to SagaTransactionLimitExceeded', () => {
    const failure = classifyTransactionError(
      cancelled({ Code: 'None' }, { Code: 'ItemCollectionSizeLimitExceeded' }, { Code: 'None' }),
      roles(),
    );
    expect(failure.kind === 'error' && failure.error.name).toBe(ErrorNames.limitExceeded);
  });
});

describe('mapSdkError', () => {
  it('maps throttling and server errors to SagaTransientError and leaves the rest alone', () => {
    expect(mapSdkError(new ThrottlingException({ message: 'slow down', $metadata: {} })).name).toBe(
      ErrorNames.transient,
    );
    const serverError = Object.assign(new Error('boom'), {
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 500 },
    });
    expect(mapSdkError(serverError).name).toBe(ErrorNames.transient);
    const resourceMissing = Object.assign(new Error('Requested resource not found'), {
      name: 'ResourceNotFoundException',
    });
    expect(mapSdkError(resourceMissing)).toBe(resourceMissing);
  });

  it('maps DynamoDB refusing two operations on one item to SagaTransactionLimitExceeded', () => {
    const error = Object.assign(
      new Error('Transaction request cannot include multiple operations on one item'),
      {
        name: 'ValidationException',
      },
    );
    expect(mapSdkError(error).name).toBe(ErrorNames.limitExceeded);
  });
});
