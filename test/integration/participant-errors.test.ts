import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import {
  BusinessError,
  defineParticipant,
  ErrorNames,
  MAX_ERROR_MESSAGE_CHARS,
  TransientError,
} from '../../functions/runtime/index.js';
import { countRequests, failNextTransactions, type RequestCounter } from '../support/dynamo-faults.js';
import {
  type HandlerRuns,
  request,
  stockKey,
  stockParticipant,
} from '../support/dynamo-participant-fixture.js';
import {
  createParticipantTable,
  getItem,
  itemsOfType,
  localDynamoClient,
  putItem,
  uniqueId,
} from '../support/dynamo-tables.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let endpoint: string;
let table: string;
let client: DynamoDBClient;
let counter: RequestCounter;
let runs: HandlerRuns;
let sku: string;

const nextSaga = () => uniqueId('errors');

beforeAll(async () => {
  endpoint = inject('dynamoDbEndpoint');
  const setup = localDynamoClient(endpoint);
  table = await createParticipantTable(setup, 'errors');
});

beforeEach(async () => {
  // A fresh client per test: fault middleware stays on the client it was added to.
  client = localDynamoClient(endpoint);
  counter = countRequests(client);
  runs = { reserve: 0, reserveChecked: 0, release: 0 };
  sku = uniqueId('sku');
  await putItem(client, table, { ...stockKey(sku), available: 10 });
  counter.reset();
});

async function expectNothingWritten(sagaId: string) {
  expect((await getItem(client, table, stockKey(sku)))?.available).toBe(10);
  expect(await itemsOfType(client, table, 'barrier', sagaId)).toEqual([]);
  expect(await itemsOfType(client, table, 'outbox', sagaId)).toEqual([]);
}

describe('mapping DynamoDB failures to saga errors', () => {
  it.each([
    [
      'TransactionConflict',
      'DynamoDB cancelled the transaction (TransactionConflict: Injected TransactionConflict); retrying is safe.',
    ],
    [
      'ThrottlingError',
      'DynamoDB cancelled the transaction (ThrottlingError: Injected ThrottlingError); retrying is safe.',
    ],
    [
      'ThrottlingException',
      'DynamoDB request failed with ThrottlingException: Rate of requests exceeds the allowed throughput.; retrying is safe.',
    ],
  ] as const)('maps %s to SagaTransientError, and the retried step commits once', async (fault, message) => {
    failNextTransactions(client, fault, { itemIndex: 2 });
    const handler = stockParticipant(client, table, runs);
    const sagaId = nextSaga();

    const first = handler(request(sagaId, { sku, quantity: 2 }));

    await expect(first).rejects.toBeInstanceOf(TransientError);
    await expect(first).rejects.toMatchObject({ name: ErrorNames.transient, message });
    await expectNothingWritten(sagaId);
    await expect(handler(request(sagaId, { sku, quantity: 2 }))).resolves.toMatchObject({ reserved: 2 });
    expect((await getItem(client, table, stockKey(sku)))?.available).toBe(8);
  });

  it('maps a conflict on an undo transaction to SagaTransientError too', async () => {
    const handler = stockParticipant(client, table, runs);
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 2 }));
    failNextTransactions(client, 'TransactionConflict');

    await expect(handler(request(sagaId, { sku, quantity: 2 }, 'compensation'))).rejects.toMatchObject({
      name: ErrorNames.transient,
    });
    expect((await getItem(client, table, stockKey(sku)))?.available).toBe(8);
    await expect(handler(request(sagaId, { sku, quantity: 2 }, 'compensation'))).resolves.toMatchObject({
      released: 2,
    });
    expect((await getItem(client, table, stockKey(sku)))?.available).toBe(10);
  });

  it('reports another cancellation reason with the operation it hit and does not mark it transient', async () => {
    failNextTransactions(client, 'ValidationError', { itemIndex: 1 });
    const sagaId = nextSaga();

    const outcome = stockParticipant(client, table, runs)(request(sagaId, { sku, quantity: 2 }));

    await expect(outcome).rejects.toThrow(
      `DynamoDB cancelled the transaction: Update of ${table} {"pk":"SKU#${sku}","sk":"STOCK"}: ValidationError (Injected ValidationError)`,
    );
    await expect(outcome).rejects.not.toBeInstanceOf(TransientError);
    await expectNothingWritten(sagaId);
  });
});

describe('refusing bad requests before anything runs', () => {
  it('refuses an invocation that is not a ParticipantRequest', async () => {
    const outcome = stockParticipant(client, table, runs)({ sagaId: 's', phase: 'commit' });
    await expect(outcome).rejects.toMatchObject({ name: ErrorNames.invalidRequest });
    await expect(outcome).rejects.toThrow(
      /^The invocation is not a ParticipantRequest .*: sagaName: expected a non-empty string; .*phase: expected one of action, compensation, try, confirm, cancel/,
    );
    expect(counter.total()).toBe(0);
  });

  it('refuses a saga input that fails the participant schema, naming the field', async () => {
    const sagaId = nextSaga();
    const outcome = stockParticipant(client, table, runs)(request(sagaId, { sku, quantity: -1 }));
    await expect(outcome).rejects.toMatchObject({ name: ErrorNames.invalidRequest });
    await expect(outcome).rejects.toThrow(
      `Saga PlaceOrder (${sagaId}) sent Stock.reserve an input that does not match the participant's schema: quantity: Too small: expected number to be >0`,
    );
    expect(runs.reserve).toBe(0);
    expect(counter.total()).toBe(0);
  });

  it('completes the compensation of an action that refused its input: an empty undo needs no input', async () => {
    const sagaId = nextSaga();
    const participant = stockParticipant(client, table, runs);
    const bad = { sku, quantity: -1 };
    await expect(participant(request(sagaId, bad))).rejects.toMatchObject({
      name: ErrorNames.invalidRequest,
    });
    await expect(participant(request(sagaId, bad, 'compensation'))).resolves.toBeNull();
    expect(runs.release).toBe(0);
    expect((await getItem(client, table, stockKey(sku)))?.available).toBe(10);
    const barriers = await itemsOfType(client, table, 'barrier', sagaId);
    expect(barriers.map((b) => [b.phase, b.status]).sort()).toEqual([
      ['action', 'blocked'],
      ['compensation', 'empty'],
    ]);
  });

  it('refuses to undo a committed action with an input that no longer matches the schema', async () => {
    const sagaId = nextSaga();
    const participant = stockParticipant(client, table, runs);
    await participant(request(sagaId, { sku, quantity: 2 }));
    const outcome = participant(request(sagaId, { sku, quantity: -1 }, 'compensation'));
    await expect(outcome).rejects.toMatchObject({ name: ErrorNames.invalidRequest });
    await expect(outcome).rejects.toThrow(
      `Saga PlaceOrder (${sagaId}) sent Stock.release an input that does not match the participant's schema`,
    );
    expect(runs.release).toBe(0);
    expect((await getItem(client, table, stockKey(sku)))?.available).toBe(8);
  });

  it('refuses an action the participant does not declare, listing the declared ones', async () => {
    const outcome = stockParticipant(
      client,
      table,
      runs,
    )(request(nextSaga(), { sku, quantity: 1 }, 'action', 'reserv'));
    await expect(outcome).rejects.toMatchObject({
      name: ErrorNames.invalidRequest,
      message:
        'Participant Stock has no action handler named "reserv" (declared: reserve, reserveChecked). Check the saga step\'s action name.',
    });
    expect(counter.total()).toBe(0);
  });

  it.each([
    ['action', 'constructor'],
    ['action', '__proto__'],
    ['action', 'toString'],
    ['compensation', 'hasOwnProperty'],
    ['compensation', 'constructor'],
  ] as const)(
    'refuses a %s named "%s" instead of finding it on the object prototype',
    async (phase, action) => {
      const sagaId = nextSaga();
      const outcome = stockParticipant(
        client,
        table,
        runs,
      )(request(sagaId, { sku, quantity: 1 }, phase, action));
      await expect(outcome).rejects.toMatchObject({
        name: ErrorNames.invalidRequest,
        message: expect.stringContaining(`has no ${phase} handler named "${action}"`),
      });
      expect(counter.total()).toBe(0);
      await expectNothingWritten(sagaId);
    },
  );

  it('propagates an unexpected handler error unchanged and writes nothing', async () => {
    const sagaId = nextSaga();
    const boom = new Error('payment gateway returned garbage');
    const handler = defineParticipant({
      name: 'Broken',
      input: z.object({ sku: z.string() }),
      client,
      tableName: table,
      actions: {
        act: ({ update, emit }) => {
          update({ key: stockKey(sku), update: 'SET available = :zero', values: { ':zero': 0 } });
          emit('Never', {});
          throw boom;
        },
      },
    });

    await expect(handler({ ...request(sagaId, { sku }), action: 'act' })).rejects.toBe(boom);
    expect(counter.total()).toBe(0);
    await expectNothingWritten(sagaId);
  });
});

describe('what a failed phase returns to its caller', () => {
  const handlerFailing = (error: Error, errorStackTraces?: boolean) =>
    defineParticipant({
      name: 'Broken',
      input: z.object({ sku: z.string() }),
      client,
      tableName: table,
      ...(errorStackTraces === undefined ? {} : { errorStackTraces }),
      actions: {
        act: () => {
          throw error;
        },
      },
    });

  it('keeps the name and message of an error but drops its stack trace, so no file path leaves the function', async () => {
    const refused = await handlerFailing(new BusinessError('card 4111 declined', 'DECLINED'))({
      ...request(nextSaga(), { sku }),
      action: 'act',
    }).then(
      () => expect.fail('the phase should have failed'),
      (e: unknown) => e as Error,
    );
    expect(refused).toMatchObject({ name: ErrorNames.business, message: 'card 4111 declined' });
    // The Lambda runtime reports `stack.split('\n')` as the trace: one line, no frames.
    expect(refused.stack).toBe('SagaBusinessError: card 4111 declined');

    const crashed = await handlerFailing(new TypeError('x is not a function'))({
      ...request(nextSaga(), { sku }),
      action: 'act',
    }).then(
      () => expect.fail('the phase should have failed'),
      (e: unknown) => e as Error,
    );
    expect(crashed.stack).toBe('TypeError: x is not a function');
  });

  it('keeps the stack trace when the participant opts in', async () => {
    const crashed = await handlerFailing(
      new TypeError('x is not a function'),
      true,
    )({
      ...request(nextSaga(), { sku }),
      action: 'act',
    }).then(
      () => expect.fail('the phase should have failed'),
      (e: unknown) => e as Error,
    );
    expect(crashed.stack).toMatch(/^TypeError: x is not a function\n\s+at /);
  });

  it('cuts a message longer than the saga state can hold for an error', async () => {
    const failed = await handlerFailing(new Error('y'.repeat(10_000)))({
      ...request(nextSaga(), { sku }),
      action: 'act',
    }).then(
      () => expect.fail('the phase should have failed'),
      (e: unknown) => e as Error,
    );
    expect(failed.message).toHaveLength(MAX_ERROR_MESSAGE_CHARS);
    expect(failed.message.endsWith('… (truncated)')).toBe(true);
  });
});
