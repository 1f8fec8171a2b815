import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {
  ChoreographyParticipantHandler,
  ChoreographyRoutes,
  ChoreographyState,
  EventRouterHandler,
  Reactions,
} from '../../functions/choreography/index.js';
import type { InboxHandler } from '../../functions/inbox/index.js';
import type { OutboxEnvelope } from '../../functions/relay/index.js';
import type { ParticipantDefinition, ParticipantRequest } from '../../functions/runtime/index.js';
import { readStreamRecords } from '../support/dynamo-streams.js';
import {
  createParticipantTable,
  getItem,
  itemsOfType,
  localDynamoClient,
  putItem,
  uniqueId,
} from '../support/dynamo-tables.js';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.js';
import { pollOnce } from '../support/sqs-lambda-poller.js';

type Choreo = typeof import('../../functions/choreography/index.js');
type Events = typeof import('../../functions/examples/choreo/events.js');

let dynamo: DynamoDBClient;
let endpoint: string;
let emulator: SqsEmulator;
let choreo: Choreo;
let events: Events;

const PARTICIPANTS = ['Order', 'Inventory', 'Payment', 'Shipping'] as const;
type Name = (typeof PARTICIPANTS)[number];

interface Node {
  readonly name: Name | 'Tracker';
  readonly table: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  readonly router?: EventRouterHandler;
  /** Stream records already routed (DynamoDB Local's stream is read from the trim horizon each time). */
  readonly routed: Set<string>;
}

const nodes = new Map<Name | 'Tracker', Node>();
let trackerTable: string;

beforeAll(async () => {
  endpoint = inject('dynamoDbEndpoint');
  dynamo = localDynamoClient(endpoint);
  emulator = await startSqsEmulator();
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' });
  choreo = await import('../../functions/choreography/index.js');
  events = await import('../../functions/examples/choreo/events.js');
  const order = await import('../../functions/examples/choreo/order.js');
  const inventory = await import('../../functions/examples/choreo/inventory.js');
  const payment = await import('../../functions/examples/choreo/payment.js');
  const shipping = await import('../../functions/examples/choreo/shipping.js');
  const examples: Record<Name, { definition: ParticipantDefinition<unknown>; reactions: Reactions }> = {
    Order: {
      definition: order.orderParticipant as ParticipantDefinition<unknown>,
      reactions: order.orderReactions,
    },
    Inventory: {
      definition: inventory.inventoryParticipant as ParticipantDefinition<unknown>,
      reactions: inventory.inventoryReactions,
    },
    Payment: {
      definition: payment.paymentParticipant as ParticipantDefinition<unknown>,
      reactions: payment.paymentReactions,
    },
    Shipping: {
      definition: shipping.shippingParticipant as ParticipantDefinition<unknown>,
      reactions: shipping.shippingReactions,
    },
  };

  // One queue per consumer, subscribed to the event types its reactions name; the tracker takes all.
  const queues = new Map<Name | 'Tracker', { queueUrl: string; queueArn: string }>();
  for (const name of [...PARTICIPANTS, 'Tracker'] as const) {
    queues.set(name, emulator.createQueue(uniqueId(`choreo-${name.toLowerCase()}`)));
  }
  const routes: Record<string, string[]> = {};
  const subscribe = (eventType: string, queueUrl: string) => {
    routes[eventType] = [...(routes[eventType] ?? []), queueUrl];
  };
  for (const name of PARTICIPANTS) {
    for (const eventType of Object.keys(examples[name].reactions))
      subscribe(eventType, queues.get(name)!.queueUrl);
  }
  for (const eventType of Object.keys(events.placeOrderTrackedEvents)) {
    subscribe(eventType, queues.get('Tracker')!.queueUrl);
  }
  const frozenRoutes: ChoreographyRoutes = routes;

  for (const name of PARTICIPANTS) {
    const table = await createParticipantTable(dynamo, `choreo-${name.toLowerCase()}`);
    const handler: ChoreographyParticipantHandler = choreo.defineChoreographyParticipant(
      { ...examples[name].definition, tableName: table, client: dynamo },
      { reactions: examples[name].reactions },
    );
    nodes.set(name, {
      name,
      table,
      ...queues.get(name)!,
      handler: (event) => handler(event) as Promise<SQSBatchResponse>,
      router: choreo.createEventRouterHandler({ routes: frozenRoutes, sqs: emulator.sqs }),
      routed: new Set(),
    });
  }
  trackerTable = await createParticipantTable(dynamo, 'choreo-tracker');
  const tracker: InboxHandler = choreo.createSagaTrackerHandler({
    tableName: trackerTable,
    events: events.placeOrderTrackedEvents,
    dynamo,
  });
  nodes.set('Tracker', {
    name: 'Tracker',
    table: trackerTable,
    ...queues.get('Tracker')!,
    handler: tracker,
    routed: new Set(),
  });
});

afterAll(async () => {
  dynamo?.destroy();
  await emulator?.stop();
});

interface PumpOptions {
  /** Route every stream batch twice, as a stream retry after a partial failure does. */
  readonly redeliver?: boolean;
}

/**
 * Runs the choreography until nothing moves: each producer table's new stream records through its
 * router, then one Lambda-style poll of every consumer queue; repeated until a round is idle.
 */
async function pump(options: PumpOptions = {}): Promise<void> {
  for (let round = 0; round < 40; round += 1) {
    let moved = 0;
    for (const node of nodes.values()) {
      if (!node.router) continue;
      const fresh = (await readStreamRecords(dynamo, endpoint, node.table)).filter(
        (record) => !node.routed.has(record.dynamodb?.SequenceNumber ?? ''),
      );
      if (fresh.length === 0) continue;
      const event: DynamoDBStreamEvent = { Records: fresh };
      const response = await node.router(event);
      if (options.redeliver) await node.router(event);
      const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      expect([...failed]).toEqual([]);
      for (const record of fresh) node.routed.add(record.dynamodb?.SequenceNumber ?? '');
      moved += fresh.length;
    }
    for (const node of nodes.values()) {
      const polled = await pollOnce({ sqs: emulator.sqs, ...node, handler: node.handler });
      expect(polled.failed, `${node.name} failed messages`).toBe(0);
      moved += polled.received;
    }
    if (moved === 0) return;
  }
  throw new Error('The choreography did not settle within 40 rounds');
}

function newOrder(overrides: { amount?: number; quantity?: number } = {}) {
  const orderId = uniqueId('order');
  return { orderId, customerId: 'c-1', sku: uniqueId('sku'), quantity: 2, amount: 4_200, ...overrides };
}

async function placeOrder(order: ReturnType<typeof newOrder>, stock = 10): Promise<void> {
  await putItem(dynamo, nodes.get('Inventory')!.table, {
    pk: `SKU#${order.sku}`,
    sk: 'STOCK',
    available: stock,
  });
  const request: ParticipantRequest = {
    sagaId: order.orderId,
    sagaName: events.PLACE_ORDER_SAGA,
    step: events.PlaceOrderSteps.place,
    phase: 'action',
    action: 'place',
    input: order,
    results: {},
  };
  await nodes.get('Order')!.handler(request as never);
}

const tableOf = (name: Name) => nodes.get(name)!.table;
const stockOf = async (sku: string) =>
  (await getItem(dynamo, tableOf('Inventory'), { pk: `SKU#${sku}`, sk: 'STOCK' }))?.available;
const orderStatus = async (orderId: string) =>
  (await getItem(dynamo, tableOf('Order'), { pk: `ORDER#${orderId}`, sk: 'ORDER' }))?.status;
const stateOf = (sagaId: string): Promise<ChoreographyState | undefined> =>
  choreo.getChoreographyState(sagaId, { dynamo, tableName: trackerTable });
const emitted = async (name: Name, sagaId: string) =>
  (await itemsOfType(dynamo, tableOf(name), 'outbox', sagaId)).map((item) => item.eventType).sort();
const stepsOf = (state: ChoreographyState | undefined) =>
  Object.fromEntries((state?.steps ?? []).map((step) => [step.step, step.status]));

describe('PlaceOrder as a choreography on DynamoDB Local and the SQS emulator', () => {
  it('runs the happy path through every participant and the tracker shows it succeeded', async () => {
    const order = newOrder();
    await placeOrder(order);
    await pump();

    expect(await orderStatus(order.orderId)).toBe('COMPLETED');
    expect(await stockOf(order.sku)).toBe(8);
    expect(
      await getItem(dynamo, tableOf('Payment'), { pk: `CHARGE#${order.orderId}`, sk: 'CHARGE' }),
    ).toMatchObject({
      amount: 4_200,
    });
    expect(
      await getItem(dynamo, tableOf('Shipping'), { pk: `SHIPMENT#${order.orderId}`, sk: 'SHIPMENT' }),
    ).toMatchObject({ trackingNumber: `TRK-${order.orderId}` });

    const state = await stateOf(order.orderId);
    expect(state).toMatchObject({
      sagaId: order.orderId,
      sagaName: 'PlaceOrderChoreography',
      status: 'succeeded',
      eventCount: 4,
      lastEventType: 'OrderShipped',
    });
    expect(state!.steps.map((s) => [s.step, s.status])).toEqual([
      ['PlaceOrder', 'done'],
      ['ReserveInventory', 'done'],
      ['ChargePayment', 'done'],
      ['ShipOrder', 'done'],
    ]);
    expect(state!.endedAt).toBe(state!.steps.at(-1)!.doneAt);
  });

  it('compensates upstream when the card is declined: PaymentFailed releases the stock and cancels the order', async () => {
    const order = newOrder({ amount: 250_000 });
    await placeOrder(order);
    await pump();

    expect(await stockOf(order.sku)).toBe(10);
    expect(await orderStatus(order.orderId)).toBe('CANCELLED');
    expect(
      await getItem(dynamo, tableOf('Payment'), { pk: `CHARGE#${order.orderId}`, sk: 'CHARGE' }),
    ).toBeUndefined();
    expect(await emitted('Shipping', order.orderId)).toEqual([]);
    expect(await emitted('Payment', order.orderId)).toEqual(['PaymentFailed']);
    expect(await emitted('Inventory', order.orderId)).toEqual(['StockReleased', 'StockReserved']);
    expect(await emitted('Order', order.orderId)).toEqual(['OrderCancelled', 'OrderPlaced']);

    // The refusal is the charge step's committed outcome, so a redelivered StockReserved cannot charge.
    const [barrier] = await itemsOfType(dynamo, tableOf('Payment'), 'barrier', order.orderId);
    expect(barrier).toMatchObject({ step: 'ChargePayment', phase: 'action', status: 'committed' });
    expect(JSON.parse(String(barrier!.result))).toEqual({
      refused: {
        error: 'SagaBusinessError',
        code: 'CARD_DECLINED',
        message: `Card of customer c-1 declined: 250000 cents is over the limit of 100000.`,
      },
    });
    const [failure] = await itemsOfType(dynamo, tableOf('Payment'), 'outbox', order.orderId);
    expect(JSON.parse(String(failure!.payload))).toMatchObject({
      ...order,
      reason: { code: 'CARD_DECLINED' },
    });

    const state = await stateOf(order.orderId);
    expect(state).toMatchObject({ status: 'compensated', eventCount: 5, lastEventType: 'OrderCancelled' });
    expect(stepsOf(state)).toEqual({
      PlaceOrder: 'compensated',
      ReserveInventory: 'compensated',
      ChargePayment: 'failed',
    });
  });

  it('cancels the order when the stock reservation itself is refused, with nothing to release', async () => {
    const order = newOrder({ quantity: 5 });
    await placeOrder(order, 3);
    await pump();

    expect(await stockOf(order.sku)).toBe(3);
    expect(await orderStatus(order.orderId)).toBe('CANCELLED');
    expect(await emitted('Inventory', order.orderId)).toEqual(['StockRejected']);
    expect(await emitted('Payment', order.orderId)).toEqual([]);
    const state = await stateOf(order.orderId);
    expect(state?.status).toBe('compensated');
    expect(stepsOf(state)).toEqual({ PlaceOrder: 'compensated', ReserveInventory: 'failed' });
  });

  it('applies every redelivered event once: each effect, each emitted event and each tracker count happen once', async () => {
    const order = newOrder();
    await placeOrder(order);
    await pump({ redeliver: true });

    expect(await stockOf(order.sku)).toBe(8);
    expect(await orderStatus(order.orderId)).toBe('COMPLETED');
    expect(await emitted('Inventory', order.orderId)).toEqual(['StockReserved']);
    expect(await emitted('Payment', order.orderId)).toEqual(['PaymentCharged']);
    expect(await emitted('Shipping', order.orderId)).toEqual(['OrderShipped']);
    expect((await stateOf(order.orderId))?.eventCount).toBe(4);
    // Each consumer saw every event twice; the inbox recorded each event id once.
    const inbox = (await itemsOfType(dynamo, trackerTable, 'inbox', order.orderId))
      .map((i) => i.eventType)
      .sort();
    expect(inbox).toEqual(['OrderPlaced', 'OrderShipped', 'PaymentCharged', 'StockReserved']);
  });

  it('makes a compensation that arrives before its action harmless, and refuses the late action', async () => {
    const order = newOrder();
    await putItem(dynamo, tableOf('Inventory'), { pk: `SKU#${order.sku}`, sk: 'STOCK', available: 10 });
    const envelope = (eventType: string, eventId: string): OutboxEnvelope => ({
      eventId,
      eventType,
      sagaId: order.orderId,
      sagaName: events.PLACE_ORDER_SAGA,
      step: 'test',
      createdAt: new Date().toISOString(),
      payload: order,
    });
    const inventory = nodes.get('Inventory')!;
    const deliver = async (body: OutboxEnvelope) => {
      await emulator.sqs.send(
        new SendMessageCommand({ QueueUrl: inventory.queueUrl, MessageBody: JSON.stringify(body) }),
      );
      const polled = await pollOnce({ sqs: emulator.sqs, ...inventory, handler: inventory.handler });
      expect(polled).toMatchObject({ received: 1, failed: 0 });
    };

    await deliver(envelope('PaymentFailed', uniqueId('evt')));
    await deliver(envelope('OrderPlaced', uniqueId('evt')));

    expect(await stockOf(order.sku)).toBe(10);
    expect(await emitted('Inventory', order.orderId)).toEqual([]);
    const barriers = await itemsOfType(dynamo, tableOf('Inventory'), 'barrier', order.orderId);
    expect(Object.fromEntries(barriers.map((b) => [b.phase, b.status]))).toEqual({
      compensation: 'empty',
      action: 'blocked',
    });
  });
});
