import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createInboxHandler, type InboxHandler } from '../../functions/inbox/index.js';
import type { OutboxEnvelope } from '../../functions/relay/index.js';
import { createParticipantTable, localDynamoClient } from '../support/dynamo-tables.js';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.js';
import { pollOnce } from '../support/sqs-lambda-poller.js';

let dynamo: DynamoDBClient;
let emulator: SqsEmulator;

beforeAll(async () => {
  dynamo = localDynamoClient(inject('dynamoDbEndpoint'));
  emulator = await startSqsEmulator();
});

afterAll(async () => {
  dynamo?.destroy();
  await emulator?.stop();
});

async function createConsumer() {
  const name = await createParticipantTable(dynamo, 'inbox');
  const queue = emulator.createQueue(name, { VisibilityTimeout: '1' });
  return { tableName: name, ...queue };
}

interface PointsAwarded {
  readonly customerId: string;
  readonly points: number;
}

function envelope(eventId: string, payload: PointsAwarded): OutboxEnvelope<PointsAwarded> {
  return {
    eventId,
    eventType: 'PointsAwarded',
    sagaId: 'saga-1',
    sagaName: 'PlaceOrder',
    step: 'AwardPoints',
    createdAt: new Date().toISOString(),
    payload,
  };
}

/** A loyalty ledger: adds the points, but only for a customer that is enrolled. */
function ledger(tableName: string): InboxHandler {
  return createInboxHandler<PointsAwarded>({
    tableName,
    dynamo,
    apply: (event, tx) => {
      tx.update({
        key: { pk: `CUSTOMER#${event.payload.customerId}`, sk: 'LEDGER' },
        update: 'ADD points :p',
        condition: 'attribute_exists(pk)',
        values: { ':p': event.payload.points },
      });
    },
  });
}

async function enroll(tableName: string, customerId: string): Promise<void> {
  await dynamo.send(
    new PutItemCommand({
      TableName: tableName,
      Item: marshall({ pk: `CUSTOMER#${customerId}`, sk: 'LEDGER', points: 0 }),
    }),
  );
}

async function pointsOf(tableName: string, customerId: string): Promise<number | undefined> {
  const { Item } = await dynamo.send(
    new GetItemCommand({
      TableName: tableName,
      Key: marshall({ pk: `CUSTOMER#${customerId}`, sk: 'LEDGER' }),
      ConsistentRead: true,
    }),
  );
  return Item ? (unmarshall(Item).points as number) : undefined;
}

async function inboxRecord(tableName: string, eventId: string) {
  const { Item } = await dynamo.send(
    new GetItemCommand({
      TableName: tableName,
      Key: marshall({ pk: `INBOX#${eventId}`, sk: 'INBOX' }),
      ConsistentRead: true,
    }),
  );
  return Item ? unmarshall(Item) : undefined;
}

describe('consumer inbox', () => {
  it('applies a redelivered event once: the copy in a later batch and the copy in the same batch are skipped', async () => {
    const consumer = await createConsumer();
    await enroll(consumer.tableName, 'c-1');
    const handler = ledger(consumer.tableName);
    const body = JSON.stringify(envelope('evt-1', { customerId: 'c-1', points: 10 }));
    const send = () =>
      emulator.sqs.send(new SendMessageCommand({ QueueUrl: consumer.queueUrl, MessageBody: body }));
    const poll = () =>
      pollOnce({ sqs: emulator.sqs, queueUrl: consumer.queueUrl, queueArn: consumer.queueArn, handler });

    await send();
    expect(await poll()).toMatchObject({ received: 1, failed: 0 });
    await send();
    await send();
    const second = await poll();
    expect(second.received).toBe(2);
    // A same-batch copy may lose the race as a conflict and come back once; it is skipped then.
    for (let round = 0; round < 10 && (await poll()).received > 0; round += 1);

    expect(await pointsOf(consumer.tableName, 'c-1')).toBe(10);
    expect(await inboxRecord(consumer.tableName, 'evt-1')).toMatchObject({
      itemType: 'inbox',
      eventId: 'evt-1',
      eventType: 'PointsAwarded',
      sagaId: 'saga-1',
      appliedAt: expect.any(String),
      expiresAt: expect.any(Number),
    });
  });

  it('reports only the event whose own write condition fails, records no inbox entry for it, and applies it once on redelivery', async () => {
    const consumer = await createConsumer();
    await enroll(consumer.tableName, 'c-1');
    const handler = ledger(consumer.tableName);
    for (const [eventId, customerId] of [
      ['evt-a', 'c-1'],
      ['evt-b', 'c-2'],
    ] as const) {
      await emulator.sqs.send(
        new SendMessageCommand({
          QueueUrl: consumer.queueUrl,
          MessageBody: JSON.stringify(envelope(eventId, { customerId, points: 5 })),
        }),
      );
    }

    const first = await pollOnce({
      sqs: emulator.sqs,
      queueUrl: consumer.queueUrl,
      queueArn: consumer.queueArn,
      handler,
      batchSize: 10,
    });

    expect(first).toMatchObject({ received: 2, failed: 1 });
    expect(await pointsOf(consumer.tableName, 'c-1')).toBe(5);
    expect(await inboxRecord(consumer.tableName, 'evt-b')).toBeUndefined();

    await enroll(consumer.tableName, 'c-2');
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(
      await pollOnce({
        sqs: emulator.sqs,
        queueUrl: consumer.queueUrl,
        queueArn: consumer.queueArn,
        handler,
      }),
    ).toMatchObject({ received: 1, failed: 0 });
    expect(await pointsOf(consumer.tableName, 'c-2')).toBe(5);
    expect(await inboxRecord(consumer.tableName, 'evt-b')).toBeDefined();
  });

  it('fails a message that is not an outbox envelope', async () => {
    const consumer = await createConsumer();
    await emulator.sqs.send(
      new SendMessageCommand({ QueueUrl: consumer.queueUrl, MessageBody: '{"hello":1}' }),
    );
    const result = await pollOnce({
      sqs: emulator.sqs,
      queueUrl: consumer.queueUrl,
      queueArn: consumer.queueArn,
      handler: ledger(consumer.tableName),
    });
    expect(result).toMatchObject({ received: 1, failed: 1 });
  });
});
