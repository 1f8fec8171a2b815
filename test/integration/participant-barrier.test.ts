import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  ActionRefusedError,
  BusinessError,
  ErrorNames,
  RequestMismatchError,
  requestFingerprint,
} from '../../functions/runtime/index.js';
import { countRequests, type RequestCounter } from '../support/dynamo-faults.js';
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

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const DAY = 86_400;

let client: DynamoDBClient;
let table: string;
let counter: RequestCounter;
let runs: HandlerRuns;
let handler: ReturnType<typeof stockParticipant>;
let sku: string;

const nextSaga = () => uniqueId('saga');
const stock = async () => (await getItem(client, table, stockKey(sku)))?.available;

beforeAll(async () => {
  client = localDynamoClient(inject('dynamoDbEndpoint'));
  table = await createParticipantTable(client, 'barrier');
  counter = countRequests(client);
});

beforeEach(async () => {
  runs = { reserve: 0, reserveChecked: 0, release: 0 };
  handler = stockParticipant(client, table, runs);
  sku = uniqueId('sku');
  await putItem(client, table, { ...stockKey(sku), available: 10 });
  counter.reset();
});

describe('forward action', () => {
  it('commits the effect, a committed barrier and the outbox event in exactly one DynamoDB request', async () => {
    const sagaId = nextSaga();
    const before = Math.floor(Date.now() / 1000);

    const result = await handler(request(sagaId, { sku, quantity: 3 }));

    expect(result).toEqual({ reserved: 3, run: 1 });
    expect(Object.fromEntries(counter.counts)).toEqual({ TransactWriteItemsCommand: 1 });
    expect(await stock()).toBe(7);

    const barrier = await getItem(client, table, {
      pk: `BARRIER#PlaceOrder#${sagaId}`,
      sk: 'ReserveStock#action',
    });
    expect(barrier).toMatchObject({
      itemType: 'barrier',
      sagaId,
      sagaName: 'PlaceOrder',
      step: 'ReserveStock',
      phase: 'action',
      action: 'reserve',
      status: 'committed',
      result: JSON.stringify({ reserved: 3, run: 1 }),
    });
    expect(new Date(String(barrier?.committedAt)).toISOString()).toBe(barrier?.committedAt);
    // Default retention is 30 days.
    expect(barrier?.expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(barrier?.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 30 * DAY);

    const outbox = await itemsOfType(client, table, 'outbox', sagaId);
    expect(outbox).toHaveLength(1);
    const event = outbox[0] ?? {};
    expect(event).toMatchObject({
      sk: 'OUTBOX',
      eventType: 'StockReserved',
      payload: JSON.stringify({ sku, quantity: 3 }),
      sagaName: 'PlaceOrder',
      step: 'ReserveStock',
      groupId: sku,
    });
    expect(event.eventId).toMatch(ULID);
    expect(event.pk).toBe(`OUTBOX#${event.eventId}`);
    expect(event.expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY);
  });

  it('returns the first result to a redelivery without applying the effect again', async () => {
    const sagaId = nextSaga();
    const first = await handler(request(sagaId, { sku, quantity: 3 }));
    counter.reset();

    const second = await handler(request(sagaId, { sku, quantity: 3 }));
    // The failed barrier condition returns the old barrier: no extra read.
    const requests = Object.fromEntries(counter.counts);

    expect(requests).toEqual({ TransactWriteItemsCommand: 1 });
    expect(second).toEqual(first);
    expect(runs.reserve).toBe(2);
    expect(await stock()).toBe(7);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toHaveLength(1);
  });

  it('returns the first result when the first delivery exhausted the resource', async () => {
    const sagaId = nextSaga();
    const first = await handler(request(sagaId, { sku, quantity: 10 }));
    expect(await stock()).toBe(0);

    await expect(handler(request(sagaId, { sku, quantity: 10 }))).resolves.toEqual(first);
    expect(await stock()).toBe(0);
  });

  it('returns the first result when a redelivery fails a business check in the handler', async () => {
    const sagaId = nextSaga();
    const first = await handler(request(sagaId, { sku, quantity: 10 }, 'action', 'reserveChecked'));
    expect(await stock()).toBe(0);

    await expect(
      handler(request(sagaId, { sku, quantity: 10 }, 'action', 'reserveChecked')),
    ).resolves.toEqual(first);
    // A different saga finding no stock still gets the business error.
    await expect(
      handler(request(nextSaga(), { sku, quantity: 1 }, 'action', 'reserveChecked')),
    ).rejects.toMatchObject({
      name: ErrorNames.business,
      code: 'INSUFFICIENT_STOCK',
    });
  });

  it('applies concurrent identical deliveries exactly once and answers all with the same result', async () => {
    const sagaId = nextSaga();
    const deliveries = 8;

    const results = await Promise.all(
      Array.from({ length: deliveries }, () => handler(request(sagaId, { sku, quantity: 4 }))),
    );

    expect(runs.reserve).toBe(deliveries);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
    expect(await stock()).toBe(6);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toHaveLength(1);
    expect(await itemsOfType(client, table, 'barrier', sagaId)).toHaveLength(1);
  });

  it('leaves no barrier, no event and no effect when a staged condition fails', async () => {
    const sagaId = nextSaga();

    const failure = handler(request(sagaId, { sku, quantity: 11 }));

    await expect(failure).rejects.toBeInstanceOf(BusinessError);
    await expect(failure).rejects.toMatchObject({
      name: 'SagaBusinessError',
      code: 'ENOUGH_STOCK',
      message: `Condition "ENOUGH_STOCK" failed on Update of ${table} {"pk":"SKU#${sku}","sk":"STOCK"}: available >= :qty; the item exists but does not satisfy it.`,
    });
    expect(await stock()).toBe(10);
    expect(await itemsOfType(client, table, 'barrier', sagaId)).toEqual([]);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toEqual([]);
    // Nothing was recorded, so a later delivery with enough stock may still succeed.
    await putItem(client, table, { ...stockKey(sku), available: 20 });
    await expect(handler(request(sagaId, { sku, quantity: 11 }))).resolves.toMatchObject({ reserved: 11 });
  });
});

describe('barrier identity', () => {
  // PlaceOrder and ReturnOrder both start their execution with the order id, and both reserve
  // stock in a step named ReserveStock on the same participant.
  const returnOrder = (sagaId: string, input: unknown, phase: 'action' | 'compensation' = 'action') =>
    request(sagaId, input, phase, undefined, 'ReserveStock', 'ReturnOrder');

  it('keeps two sagas that share a participant, a step name and an execution name apart', async () => {
    const orderId = nextSaga();

    const placed = await handler(request(orderId, { sku, quantity: 3 }));
    const returned = await handler(returnOrder(orderId, { sku, quantity: 2 }));

    expect(placed).toEqual({ reserved: 3, run: 1 });
    expect(returned).toEqual({ reserved: 2, run: 2 });
    expect(await stock()).toBe(5);
    const barriers = await itemsOfType(client, table, 'barrier', orderId);
    expect(barriers.map((b) => [b.pk, b.sk, b.sagaName, b.status]).sort()).toEqual([
      [`BARRIER#PlaceOrder#${orderId}`, 'ReserveStock#action', 'PlaceOrder', 'committed'],
      [`BARRIER#ReturnOrder#${orderId}`, 'ReserveStock#action', 'ReturnOrder', 'committed'],
    ]);

    // Each saga's compensation undoes its own action, once.
    await expect(handler(returnOrder(orderId, { sku, quantity: 2 }, 'compensation'))).resolves.toEqual({
      released: 2,
      run: 1,
    });
    expect(await stock()).toBe(7);
    await expect(handler(request(orderId, { sku, quantity: 3 }, 'compensation'))).resolves.toEqual({
      released: 3,
      run: 2,
    });
    expect(await stock()).toBe(10);
  });

  it("does not let one saga's empty compensation block the other saga's action", async () => {
    const orderId = nextSaga();

    await expect(handler(returnOrder(orderId, { sku, quantity: 2 }, 'compensation'))).resolves.toBeNull();
    await expect(handler(request(orderId, { sku, quantity: 3 }))).resolves.toEqual({ reserved: 3, run: 1 });

    expect(await stock()).toBe(7);
    await expect(handler(returnOrder(orderId, { sku, quantity: 2 }))).rejects.toMatchObject({
      name: ErrorNames.actionRefused,
    });
    expect(await stock()).toBe(7);
  });

  it('refuses a saga name that would make the barrier key ambiguous', async () => {
    await expect(
      handler(request(nextSaga(), { sku, quantity: 1 }, 'action', 'reserve', 'ReserveStock', 'Place#Order')),
    ).rejects.toMatchObject({ name: ErrorNames.invalidRequest });
    expect(await stock()).toBe(10);
  });
});

describe('request fingerprint', () => {
  it('records the fingerprint and the input of the request with the barrier', async () => {
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 3 }));

    const barrier = await getItem(client, table, {
      pk: `BARRIER#PlaceOrder#${sagaId}`,
      sk: 'ReserveStock#action',
    });
    expect(barrier).toMatchObject({
      fingerprint: requestFingerprint({ quantity: 3, sku }),
      input: JSON.stringify({ sku, quantity: 3 }),
    });
  });

  it('answers a repeat whose input differs only in key order with the first result', async () => {
    const sagaId = nextSaga();
    const first = await handler(request(sagaId, { sku, quantity: 3 }));

    await expect(handler(request(sagaId, { quantity: 3, sku }))).resolves.toEqual(first);
    expect(await stock()).toBe(7);
  });

  it('refuses a repeat with another input with SagaRequestMismatch and changes nothing', async () => {
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 3 }));
    const key = { pk: `BARRIER#PlaceOrder#${sagaId}`, sk: 'ReserveStock#action' };
    const recorded = await getItem(client, table, key);
    counter.reset();

    const repeat = handler(request(sagaId, { sku, quantity: 5 }));

    await expect(repeat).rejects.toBeInstanceOf(RequestMismatchError);
    await expect(repeat).rejects.toMatchObject({ name: 'SagaRequestMismatch' });
    await expect(repeat).rejects.toThrow(
      `Stock.reserve (action of step ReserveStock, saga ${sagaId}) is refused: the action of step ReserveStock ` +
        `in saga PlaceOrder already committed from another request (action "reserve", input ` +
        `${requestFingerprint({ sku, quantity: 3 })}; this request: action "reserve", input ` +
        `${requestFingerprint({ sku, quantity: 5 })}).`,
    );
    // The refusal came from the failed barrier condition: still one request per delivery.
    expect(Object.fromEntries(counter.counts)).toEqual({ TransactWriteItemsCommand: 1 });
    expect(await stock()).toBe(7);
    expect(await getItem(client, table, key)).toEqual(recorded);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toHaveLength(1);
  });

  it('refuses a mismatched repeat that fails a business check in the handler', async () => {
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 10 }, 'action', 'reserveChecked'));

    await expect(
      handler(request(sagaId, { sku, quantity: 9 }, 'action', 'reserveChecked')),
    ).rejects.toMatchObject({ name: 'SagaRequestMismatch' });
    expect(await stock()).toBe(0);
  });

  it('refuses a repeat that names another action for the same step', async () => {
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 3 }));

    await expect(
      handler(request(sagaId, { sku, quantity: 3 }, 'action', 'reserveChecked')),
    ).rejects.toMatchObject({ name: 'SagaRequestMismatch' });
    expect(await stock()).toBe(7);
  });
});

describe('compensation', () => {
  it('undoes what its action recorded, whatever quantity its own request carries', async () => {
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 3 }));

    const undo = await handler(request(sagaId, { sku, quantity: 50 }, 'compensation'));

    expect(undo).toEqual({ released: 3, run: 1 });
    expect(await stock()).toBe(10);
    const released = (await itemsOfType(client, table, 'outbox', sagaId)).filter(
      (e) => e.eventType === 'StockReleased',
    );
    expect(released.map((e) => JSON.parse(String(e.payload)))).toEqual([
      { sku, quantity: 3, undid: { reserved: 3, run: 1 } },
    ]);
    // A repeat of the honest compensation gets the recorded result and changes nothing.
    await expect(handler(request(sagaId, { sku, quantity: 3 }, 'compensation'))).resolves.toEqual(undo);
    expect(await stock()).toBe(10);
  });

  it('undoes a committed action once, seeing its recorded result', async () => {
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 3 }));

    const undo = await handler(request(sagaId, { sku, quantity: 3 }, 'compensation'));
    const again = await handler(request(sagaId, { sku, quantity: 3 }, 'compensation'));

    expect(undo).toEqual({ released: 3, run: 1 });
    expect(again).toEqual(undo);
    expect(runs.release).toBe(1);
    expect(await stock()).toBe(10);
    const released = (await itemsOfType(client, table, 'outbox', sagaId)).filter(
      (e) => e.eventType === 'StockReleased',
    );
    expect(released.map((e) => JSON.parse(String(e.payload)))).toEqual([
      { sku, quantity: 3, undid: { reserved: 3, run: 1 } },
    ]);
  });

  it('records an empty compensation without running the handler or changing anything', async () => {
    const sagaId = nextSaga();

    const result = await handler(request(sagaId, { sku, quantity: 3 }, 'compensation'));
    const again = await handler(request(sagaId, { sku, quantity: 3 }, 'compensation'));

    expect(result).toBeNull();
    expect(again).toBeNull();
    expect(runs.release).toBe(0);
    expect(await stock()).toBe(10);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toEqual([]);
    const barriers = await itemsOfType(client, table, 'barrier', sagaId);
    expect(barriers.map((b) => [b.sk, b.status]).sort()).toEqual([
      ['ReserveStock#action', 'blocked'],
      ['ReserveStock#compensation', 'empty'],
    ]);
  });

  it('refuses an action that arrives after its compensation, with no effect', async () => {
    const sagaId = nextSaga();
    await handler(request(sagaId, { sku, quantity: 3 }, 'compensation'));

    const late = handler(request(sagaId, { sku, quantity: 3 }));

    await expect(late).rejects.toBeInstanceOf(ActionRefusedError);
    await expect(late).rejects.toMatchObject({ name: 'SagaActionRefused' });
    await expect(late).rejects.toThrow(/compensation already ran \(barrier status "blocked"\)/);
    expect(await stock()).toBe(10);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toEqual([]);
  });

  it('keeps stock balanced when an action and its compensation race', async () => {
    // Enough stock for every action, so that an action can only fail by being refused.
    await putItem(client, table, { ...stockKey(sku), available: 100 });
    const sagas = Array.from({ length: 12 }, () => nextSaga());

    const outcomes = await Promise.all(
      sagas.map(async (sagaId) => {
        const [action, compensation] = await Promise.allSettled([
          handler(request(sagaId, { sku, quantity: 1 })),
          handler(request(sagaId, { sku, quantity: 1 }, 'compensation')),
        ]);
        return { action, compensation };
      }),
    );

    for (const { action, compensation } of outcomes) {
      expect(compensation.status).toBe('fulfilled');
      if (action.status === 'fulfilled') {
        // The action won: the compensation must have undone it.
        expect(compensation).toMatchObject({ value: { released: 1 } });
      } else {
        expect(action.reason).toBeInstanceOf(ActionRefusedError);
        expect(compensation).toMatchObject({ value: null });
      }
    }
    expect(await stock()).toBe(100);
  });
});

describe('barrier retention', () => {
  it('sets expiresAt from STEPSAGA_BARRIER_RETENTION_DAYS', async () => {
    process.env.STEPSAGA_BARRIER_RETENTION_DAYS = '9';
    try {
      const nineDays = stockParticipant(client, table, runs);
      const sagaId = nextSaga();
      const before = Math.floor(Date.now() / 1000);
      await nineDays(request(sagaId, { sku, quantity: 1 }));
      const barrier = await getItem(client, table, {
        pk: `BARRIER#PlaceOrder#${sagaId}`,
        sk: 'ReserveStock#action',
      });
      expect(barrier?.expiresAt).toBeGreaterThanOrEqual(before + 9 * DAY);
      expect(barrier?.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 9 * DAY);
    } finally {
      delete process.env.STEPSAGA_BARRIER_RETENTION_DAYS;
    }
  });

  it('refuses a retention shorter than 7 days when the handler is defined', () => {
    process.env.STEPSAGA_BARRIER_RETENTION_DAYS = '3';
    try {
      expect(() => stockParticipant(client, table, runs)).toThrow(
        'Invalid barrier retention STEPSAGA_BARRIER_RETENTION_DAYS="3": it must be a number of days >= 7',
      );
    } finally {
      delete process.env.STEPSAGA_BARRIER_RETENTION_DAYS;
    }
  });
});
