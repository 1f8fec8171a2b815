import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { ParticipantHandler, Phase } from '../../functions/runtime/index.js';
import {
  createParticipantTable,
  getItem,
  itemsOfType,
  localDynamoClient,
  putItem,
  uniqueId,
} from '../support/dynamo-tables.js';

let client: DynamoDBClient;
let inventory: ParticipantHandler;
let payment: ParticipantHandler;
let shipping: ParticipantHandler;
let table: string;

beforeAll(async () => {
  client = localDynamoClient(inject('dynamoDbEndpoint'));
  table = await createParticipantTable(client, 'examples');
  // The handlers run as deployed: the module-scope client finds DynamoDB through the environment.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: inject('dynamoDbEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    STEPSAGA_TABLE_NAME: table,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
  });
  inventory = (await import('../../functions/examples/inventory/handler.js')).handler;
  payment = (await import('../../functions/examples/payment/handler.js')).handler;
  shipping = (await import('../../functions/examples/shipping/handler.js')).handler;
});

function order(
  overrides: Partial<Record<'sku' | 'customerId' | 'orderId', string>> & {
    quantity?: number;
    amount?: number;
  } = {},
) {
  return {
    orderId: uniqueId('order'),
    customerId: 'c-1',
    sku: 'sku-1',
    quantity: 1,
    amount: 100,
    ...overrides,
  };
}

function call(
  handler: ParticipantHandler,
  step: string,
  phase: Phase,
  action: string,
  input: unknown,
  sagaId = uniqueId('saga'),
) {
  return handler({ sagaId, sagaName: 'PlaceOrder', step, phase, action, input, results: {} });
}

describe('Inventory example', () => {
  it('never lets concurrent reservations take stock below zero', async () => {
    const sku = uniqueId('sku');
    await putItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK', available: 10 });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 15 }, () =>
        call(inventory, 'ReserveInventory', 'action', 'reserve', order({ sku, quantity: 1 })),
      ),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    for (const o of outcomes.filter((x) => x.status === 'rejected')) {
      expect(o.reason).toMatchObject({ name: 'SagaBusinessError', code: 'INSUFFICIENT_STOCK' });
    }
    expect((await getItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK' }))?.available).toBe(0);
  });

  it('reserves, emits StockReserved, and releases on compensation', async () => {
    const sku = uniqueId('sku');
    await putItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK', available: 5 });
    const sagaId = uniqueId('saga');
    const input = order({ sku, quantity: 2 });

    await expect(call(inventory, 'ReserveInventory', 'action', 'reserve', input, sagaId)).resolves.toEqual({
      sku,
      reserved: 2,
    });
    expect((await getItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK' }))?.available).toBe(3);
    await expect(
      call(inventory, 'ReserveInventory', 'compensation', 'release', input, sagaId),
    ).resolves.toEqual({ sku, released: 2 });
    expect((await getItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK' }))?.available).toBe(5);

    const events = await itemsOfType(client, table, 'outbox', sagaId);
    expect(events.map((e) => [e.eventType, JSON.parse(String(e.payload)), e.groupId]).sort()).toEqual([
      ['StockReleased', { orderId: input.orderId, sku, quantity: 2 }, sku],
      ['StockReserved', { orderId: input.orderId, sku, quantity: 2 }, sku],
    ]);
  });

  it('releases what the reservation recorded when the compensation carries another quantity', async () => {
    const sku = uniqueId('sku');
    await putItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK', available: 5 });
    const sagaId = uniqueId('saga');
    const input = order({ sku, quantity: 3 });
    await call(inventory, 'ReserveInventory', 'action', 'reserve', input, sagaId);

    await expect(
      call(inventory, 'ReserveInventory', 'compensation', 'release', { ...input, quantity: 50 }, sagaId),
    ).resolves.toEqual({ sku, released: 3 });

    expect((await getItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK' }))?.available).toBe(5);
    const released = (await itemsOfType(client, table, 'outbox', sagaId)).filter(
      (e) => e.eventType === 'StockReleased',
    );
    expect(released.map((e) => JSON.parse(String(e.payload)))).toEqual([
      { orderId: input.orderId, sku, quantity: 3 },
    ]);
  });

  it('refuses an unknown SKU and an oversized quantity as business errors', async () => {
    const sku = uniqueId('sku');
    await expect(
      call(inventory, 'ReserveInventory', 'action', 'reserve', order({ sku })),
    ).rejects.toMatchObject({
      name: 'SagaBusinessError',
      code: 'UNKNOWN_SKU',
      message: `Unknown SKU "${sku}": no stock item exists for it.`,
    });
    await putItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK', available: 2 });
    await expect(
      call(inventory, 'ReserveInventory', 'action', 'reserve', order({ sku, quantity: 3 })),
    ).rejects.toMatchObject({
      code: 'INSUFFICIENT_STOCK',
      message: `Insufficient stock for SKU "${sku}": 3 requested, 2 available.`,
    });
    expect(await getItem(client, table, { pk: `SKU#${sku}`, sk: 'STOCK' })).toMatchObject({ available: 2 });
  });

  it('refuses a non-positive quantity before touching DynamoDB', async () => {
    await expect(
      call(inventory, 'ReserveInventory', 'action', 'reserve', order({ quantity: 0 })),
    ).rejects.toMatchObject({
      name: 'SagaInvalidRequest',
    });
  });
});

describe('Payment example', () => {
  it('never lets concurrent charges take a balance below zero, and refunds', async () => {
    const customerId = uniqueId('customer');
    await putItem(client, table, { pk: `ACCOUNT#${customerId}`, sk: 'BALANCE', balance: 1_000 });
    const sagas = Array.from({ length: 6 }, () => uniqueId('saga'));

    const outcomes = await Promise.allSettled(
      sagas.map((sagaId) =>
        call(payment, 'ChargePayment', 'action', 'charge', order({ customerId, amount: 300 }), sagaId),
      ),
    );

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
    for (const o of outcomes.filter((x) => x.status === 'rejected')) {
      expect(o.reason).toMatchObject({ name: 'SagaBusinessError', code: 'INSUFFICIENT_FUNDS' });
    }
    expect((await getItem(client, table, { pk: `ACCOUNT#${customerId}`, sk: 'BALANCE' }))?.balance).toBe(100);

    const charged = sagas.filter((_, i) => outcomes[i]?.status === 'fulfilled');
    for (const sagaId of charged) {
      await call(
        payment,
        'ChargePayment',
        'compensation',
        'refund',
        order({ customerId, amount: 300 }),
        sagaId,
      );
    }
    expect((await getItem(client, table, { pk: `ACCOUNT#${customerId}`, sk: 'BALANCE' }))?.balance).toBe(
      1_000,
    );
    const refunded = await Promise.all(charged.map((sagaId) => itemsOfType(client, table, 'outbox', sagaId)));
    expect(
      refunded
        .flat()
        .map((e) => e.eventType)
        .sort(),
    ).toEqual([
      'PaymentCharged',
      'PaymentCharged',
      'PaymentCharged',
      'PaymentRefunded',
      'PaymentRefunded',
      'PaymentRefunded',
    ]);
  });

  it('refuses a customer without an account', async () => {
    const customerId = uniqueId('nobody');
    await expect(
      call(payment, 'ChargePayment', 'action', 'charge', order({ customerId })),
    ).rejects.toMatchObject({
      code: 'UNKNOWN_ACCOUNT',
      message: `Unknown customer "${customerId}": no account exists.`,
    });
  });
});

describe('Shipping example', () => {
  it('ships an order once: a redelivery returns the shipment, another saga is refused', async () => {
    const input = order();
    const sagaId = uniqueId('saga');

    const shipped = await call(shipping, 'ShipOrder', 'action', 'ship', input, sagaId);
    const redelivered = await call(shipping, 'ShipOrder', 'action', 'ship', input, sagaId);
    const otherSaga = call(shipping, 'ShipOrder', 'action', 'ship', input);

    expect(shipped).toEqual({ orderId: input.orderId, shipmentId: `SHP-${input.orderId}` });
    expect(redelivered).toEqual(shipped);
    await expect(otherSaga).rejects.toMatchObject({
      name: 'SagaBusinessError',
      code: 'ALREADY_SHIPPED',
      message: `Order "${input.orderId}" has already shipped; an order ships once.`,
    });
    expect(await getItem(client, table, { pk: `ORDER#${input.orderId}`, sk: 'SHIPMENT' })).toMatchObject({
      shipmentId: `SHP-${input.orderId}`,
      sagaId,
    });
    expect(
      (await itemsOfType(client, table, 'outbox')).filter(
        (e) => e.eventType === 'OrderShipped' && String(e.payload).includes(input.orderId),
      ),
    ).toHaveLength(1);
  });
});
