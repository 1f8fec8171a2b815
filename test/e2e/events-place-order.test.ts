import { PutItemCommand, QueryCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { beforeAll, describe, expect, it } from 'vitest';
import { outcomeKey } from '../../functions/examples/notifications/outcome-log.js';
import { orderSummaryKey } from '../../functions/examples/order-events/order-history.js';
import { inboxKey } from '../../functions/inbox/inbox-item.js';
import { getNotificationStatus } from '../../functions/notifier/index.js';
import { buildExampleApp } from '../../infra/app.js';
import { StreamsApi } from '../../infra/local/event-sources/streams-api.js';
import type { LocalLogLine } from '../../infra/local/index.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, eventually, getItem } from '../support/local-cloud.js';

const logs: LocalLogLine[] = [];
const local = useLocalCloud(() => buildExampleApp().app, {
  retryIntervalDivisor: 50,
  // Stream retries back off from 2 × the poll interval: 50 ms keeps ten retries within ~12 s.
  pollIntervalMs: 50,
  synthCache: { name: 'infra/app.ts' },
  onLog: (line) => logs.push(line),
});

// The outcome channel's notifier invokes its target with the Lambda API; the local cloud serves that
// itself (no public gateway here), so these tests also prove no function call leaves the machine.
const clients = () => engineClients(local.cloud);
const tableName = (path: string) => local.cloud.resources.find(path, 'table').name;
const queueUrl = (path: string) => local.cloud.resources.find(path, 'queue').url ?? '';

const placeOrder = async (orderId: string, overrides: Record<string, unknown> = {}) => {
  const saga = local.cloud.resources.find('PlaceOrder', 'stateMachine');
  const input = { orderId, customerId: 'alice', sku: 'LAMP', quantity: 2, amount: 1_000, ...overrides };
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: saga.arn,
    name: orderId,
    input: JSON.stringify(input),
  })) as { executionArn: string };
  return { executionArn, done: await waitForExecution(local.cloud, executionArn) };
};

const summaryOf = async (orderId: string) => {
  const key = orderSummaryKey(orderId);
  const item = await getItem(clients().dynamodb, tableName('OrderHistory/Table'), key.pk, key.sk);
  return item ? unmarshall(item) : undefined;
};

/** Waits for the order's summary to count `events` events, then for the queue to drain. */
const settledSummary = async (orderId: string, events: number) => {
  await eventually(
    async () => ((await summaryOf(orderId))?.eventCount === events ? true : undefined),
    20_000,
    `${events} events in the order history of ${orderId}`,
  );
  await eventually(
    async () => {
      const { Attributes = {} } = await clients().sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl('OrderEvents'),
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return Attributes.ApproximateNumberOfMessages === '0' &&
        Attributes.ApproximateNumberOfMessagesNotVisible === '0'
        ? true
        : undefined;
    },
    10_000,
    'order-events to drain',
  );
  return (await summaryOf(orderId)) as Record<string, unknown>;
};

const outcomeOf = async (sagaId: string) => {
  const key = outcomeKey(sagaId);
  const item = await getItem(clients().dynamodb, tableName('OutcomeLog/Table'), key.pk, key.sk);
  return item ? unmarshall(item) : undefined;
};

const outboxItem = (eventId: string, eventType: string, payload: string) => ({
  pk: `OUTBOX#${eventId}`,
  sk: 'OUTBOX',
  itemType: 'outbox',
  eventId,
  eventType,
  payload,
  sagaId: 'relay-poison-1',
  sagaName: 'PlaceOrder',
  step: 'ShipOrder',
  createdAt: new Date().toISOString(),
  expiresAt: Math.floor(Date.now() / 1000) + 86_400,
});

describe('PlaceOrder events and notifications on the local cloud', () => {
  beforeAll(async () => {
    const { dynamodb } = clients();
    await dynamodb.send(
      new PutItemCommand({
        TableName: tableName('Inventory/Table'),
        Item: marshall({ pk: 'SKU#LAMP', sk: 'STOCK', available: 100 }),
      }),
    );
    for (const [customer, balance] of [
      ['alice', 100_000],
      ['bob', 500],
    ] as const) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: tableName('Payment/Table'),
          Item: marshall({ pk: `ACCOUNT#${customer}`, sk: 'BALANCE', balance }),
        }),
      );
    }
  });

  it('relays each committed outbox event to order-events, and the consumer applies it to the order history', async () => {
    const { done } = await placeOrder('evt-ok-1');
    expect(done.status).toBe('SUCCEEDED');
    const summary = await settledSummary('evt-ok-1', 3);
    expect(summary).toMatchObject({
      orderId: 'evt-ok-1',
      lastSagaId: 'evt-ok-1',
      eventCount: 3,
      eventTypes: new Set(['StockReserved', 'PaymentCharged', 'OrderShipped']),
      reserved: 2,
      charged: 1_000,
      shipmentId: 'SHP-evt-ok-1',
    });
  });

  it('absorbs a redelivered event in the inbox: applied once, the order history unchanged', async () => {
    const { Items = [] } = await clients().dynamodb.send(
      new QueryCommand({
        TableName: tableName('OrderHistory/Table'),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
        ExpressionAttributeValues: marshall({ ':pk': 'ORDER#evt-ok-1', ':event': 'EVENT#' }),
      }),
    );
    const charged = Items.map((item) => unmarshall(item)).find((e) => e.eventType === 'PaymentCharged');
    expect(charged).toBeDefined();
    const envelope = {
      eventId: charged?.eventId,
      eventType: charged?.eventType,
      sagaId: charged?.sagaId,
      sagaName: 'PlaceOrder',
      step: charged?.step,
      createdAt: charged?.createdAt,
      payload: JSON.parse(String(charged?.payload)),
    };
    // What the relay sends again when a stream batch is retried after a partial failure.
    for (let copy = 0; copy < 2; copy++) {
      await clients().sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl('OrderEvents'), MessageBody: JSON.stringify(envelope) }),
      );
    }
    await eventually(
      async () =>
        logs.filter(
          (l) => l.message.includes('Event already applied; skipped') && l.message.includes(envelope.eventId),
        ).length === 2
          ? true
          : undefined,
      15_000,
      'the consumer to skip both copies',
    );
    const summary = await settledSummary('evt-ok-1', 3);
    expect(summary.eventCount).toBe(3);
    expect(summary.charged).toBe(1_000);
  });

  it('publishes no outcome for a succeeded order: PlaceOrder publishes only compensations and parks', async () => {
    const { executionArn, done } = await placeOrder('evt-ok-2');
    expect(done.status).toBe('SUCCEEDED');
    // A later compensated order's outcome travels the same queue, notifier and target; once it has
    // arrived, a success outcome sent before it would have arrived too.
    await placeOrder('evt-poor-0', { customerId: 'bob', amount: 9_999 });
    await eventually(() => outcomeOf('evt-poor-0'), 20_000, 'the SagaCompensated outcome');
    expect(await outcomeOf('evt-ok-2')).toBeUndefined();
    expect(
      await getNotificationStatus(executionArn, {
        dynamo: clients().dynamodb,
        tableName: tableName('OrderOutcomes/StatusTable'),
      }),
    ).toBeUndefined();
  });

  it('publishes the outcome of a compensated saga with the failure, and the order history nets to zero', async () => {
    const { executionArn, done } = await placeOrder('evt-poor-1', { customerId: 'bob', amount: 9_999 });
    expect(done.error).toBe('SagaCompensated');
    const outcome = await eventually(() => outcomeOf('evt-poor-1'), 20_000, 'the SagaCompensated outcome');
    expect(outcome).toMatchObject({ outcome: 'SagaCompensated', executionArn, deliveries: 1 });
    const summary = JSON.parse(String(outcome.summary)) as Record<string, { Error: string; Cause: string }>;
    expect(Object.keys(summary)).toEqual(['ChargePayment']);
    expect(summary.ChargePayment?.Error).toBe('SagaBusinessError');
    expect(summary.ChargePayment?.Cause).toContain('Insufficient funds');

    const history = await settledSummary('evt-poor-1', 2);
    expect(history).toMatchObject({
      eventTypes: new Set(['StockReserved', 'StockReleased']),
      reserved: 0,
      charged: 0,
    });
  });

  it('ignores events whose type names an object prototype member: a forged payload changes no order', async () => {
    const forged = ['constructor', '__proto__', 'toString'].map((eventType) => ({
      eventId: ulid(),
      eventType,
      sagaId: 'forged-1',
      sagaName: 'PlaceOrder',
      step: 'ChargePayment',
      createdAt: new Date().toISOString(),
      payload: { orderId: 'forged-1', reserved: 99, charged: 5_000 },
    }));
    for (const envelope of forged) {
      await clients().sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl('OrderEvents'), MessageBody: JSON.stringify(envelope) }),
      );
    }
    // The inbox records every event it consumed, applied or not: once all three are recorded, the
    // consumer has decided about each of them.
    const history = tableName('OrderHistory/Table');
    for (const envelope of forged) {
      const key = inboxKey(envelope.eventId);
      await eventually(
        () => getItem(clients().dynamodb, history, key.pk, key.sk),
        20_000,
        `the inbox record of the ${envelope.eventType} event`,
      );
    }
    expect(await summaryOf('forged-1')).toBeUndefined();
  });

  it('retries and bisects a failing relay batch, relays the good events, and sends the poison record to the on-failure queue', async () => {
    const table = local.cloud.resources.find('Shipping/Table', 'table');
    const relay = local.cloud.resources.find('EventsFromShipping/Function', 'function');
    const [first, second, poison] = [ulid(), ulid(), ulid()];
    const payload = (note: string) => JSON.stringify({ orderId: 'relay-poison-1', shipmentId: note });
    // The first relay invocation crashes (so the batch is retried and bisected); the third event
    // carries a character SQS refuses (U+FFFF), so it fails on every retry.
    local.cloud.faults.failNext(relay.name, { errorType: 'Error', errorMessage: 'relay crashed', times: 1 });
    const before = logs.length;
    await clients().dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          outboxItem(first, 'OrderShipped', payload('SHP-1')),
          outboxItem(second, 'OrderShipped', payload('SHP-2')),
          outboxItem(poison, 'OrderShipped', payload('SHP-\uffff')),
        ].map((item) => ({ Put: { TableName: table.name, Item: marshall(item) } })),
      }),
    );

    const failureQueue = queueUrl('EventsFromShipping/FailureQueue');
    const failure = await eventually(
      async () => {
        const { Messages = [] } = await clients().sqs.send(
          new ReceiveMessageCommand({ QueueUrl: failureQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        return Messages.length > 0 ? Messages : undefined;
      },
      40_000,
      'the on-failure message',
    );
    expect(failure).toHaveLength(1);
    const info = JSON.parse(failure[0]?.Body ?? '{}') as {
      requestContext: { condition: string; approximateInvokeCount: number };
      DDBStreamBatchInfo: {
        shardId: string;
        startSequenceNumber: string;
        batchSize: number;
        streamArn: string;
      };
    };
    expect(info.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    });
    expect(info.DDBStreamBatchInfo).toMatchObject({ batchSize: 1, streamArn: table.streamArn });

    // The on-failure message names the record, not its content: read it back from the stream.
    const streams = new StreamsApi(local.cloud.dynamoDbEndpoint, local.cloud.region);
    const { ShardIterator } = await streams.call<{ ShardIterator: string }>('GetShardIterator', {
      StreamArn: info.DDBStreamBatchInfo.streamArn,
      ShardId: info.DDBStreamBatchInfo.shardId,
      ShardIteratorType: 'AT_SEQUENCE_NUMBER',
      SequenceNumber: info.DDBStreamBatchInfo.startSequenceNumber,
    });
    const page = await streams.records(ShardIterator, 1);
    expect(page.Records?.[0]?.dynamodb.NewImage).toMatchObject({ eventId: { S: poison } });

    // The crashed batch held all three records; the retry after it held a half.
    const relayed = logs
      .slice(before)
      .filter((l) => l.resource === relay.name && l.message.includes('Outbox batch relayed'))
      .map((l) => (JSON.parse(l.message) as { records: number }).records);
    expect(
      logs.slice(before).some((l) => l.resource === relay.name && l.message.includes('injected fault')),
    ).toBe(true);
    expect(relayed[0]).toBe(2);
    expect(relayed.slice(1).every((records) => records === 1)).toBe(true);

    // Both good events reached the consumer, once each.
    const summary = await settledSummary('relay-poison-1', 2);
    expect(summary.eventCount).toBe(2);
  });
});
