import { type DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import type { Message } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRelayHandler, isFifoQueueUrl, type OutboxEnvelope } from '../../functions/relay/index.js';
import { readStreamRecords } from '../support/dynamo-streams.js';
import { createParticipantTable, localDynamoClient } from '../support/dynamo-tables.js';
import { drainQueue } from '../support/sqs-drain.js';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.js';

let dynamo: DynamoDBClient;
let endpoint: string;
let emulator: SqsEmulator;

beforeAll(async () => {
  endpoint = inject('dynamoDbEndpoint');
  dynamo = localDynamoClient(endpoint);
  emulator = await startSqsEmulator();
});

afterAll(async () => {
  dynamo?.destroy();
  await emulator?.stop();
});

interface OutboxEventInput {
  readonly eventId: string;
  readonly eventType: string;
  readonly sagaId: string;
  readonly payload: unknown;
  readonly groupId?: string;
  /** Raw payload text, to store something `payload` cannot express. */
  readonly payloadText?: string;
}

/** Commits a barrier and its outbox events in one transaction, the way the participant runtime does. */
async function commitStep(
  tableName: string,
  sagaId: string,
  step: string,
  events: readonly OutboxEventInput[],
) {
  const now = new Date().toISOString();
  const barrier = {
    pk: `BARRIER#PlaceOrder#${sagaId}`,
    sk: `${step}#action`,
    itemType: 'barrier',
    sagaId,
    sagaName: 'PlaceOrder',
    step,
    phase: 'action',
    action: 'run',
    status: 'committed',
    result: '{}',
    committedAt: now,
  };
  const outbox = events.map((event) => ({
    pk: `OUTBOX#${event.eventId}`,
    sk: 'OUTBOX',
    itemType: 'outbox',
    eventId: event.eventId,
    eventType: event.eventType,
    payload: event.payloadText ?? JSON.stringify(event.payload),
    sagaId: event.sagaId,
    sagaName: 'PlaceOrder',
    step,
    ...(event.groupId ? { groupId: event.groupId } : {}),
    createdAt: now,
    expiresAt: Math.floor(Date.now() / 1000) + 86_400,
  }));
  await dynamo.send(
    new TransactWriteItemsCommand({
      TransactItems: [barrier, ...outbox].map((item) => ({
        Put: { TableName: tableName, Item: marshall(item) },
      })),
    }),
  );
}

/** Reads every record of the table's stream, as Lambda's event source would hand them over. */
async function readStreamEvent(tableName: string): Promise<DynamoDBStreamEvent> {
  return { Records: await readStreamRecords(dynamo, endpoint, tableName) };
}

function sequenceNumbersOf(
  event: DynamoDBStreamEvent,
  predicate: (record: DynamoDBRecord) => boolean,
): string[] {
  return event.Records.filter(predicate).map((record) => record.dynamodb?.SequenceNumber ?? '');
}

function onlyOutboxInserts(event: DynamoDBStreamEvent): DynamoDBStreamEvent {
  return {
    Records: event.Records.filter(
      (record) => record.eventName === 'INSERT' && record.dynamodb?.NewImage?.itemType?.S === 'outbox',
    ),
  };
}

function eventIdOf(record: DynamoDBRecord): string | undefined {
  return record.dynamodb?.NewImage?.eventId?.S;
}

function envelopeOf(message: Message): OutboxEnvelope {
  return JSON.parse(message.Body ?? '') as OutboxEnvelope;
}

function relayTo(queueUrl: string) {
  return createRelayHandler({ sqs: emulator.sqs, config: { queueUrl, fifo: isFifoQueueUrl(queueUrl) } });
}

describe('outbox relay: DynamoDB stream → SQS', () => {
  it('sends every outbox insert as an envelope with eventType, sagaId and eventId attributes, and skips barrier items', async () => {
    const tableName = await createParticipantTable(dynamo, 'relay');
    const { queueUrl } = emulator.createQueue(`${tableName}-events`);
    // 12 events need two SendMessageBatch calls (at most ten entries each).
    for (let step = 0; step < 4; step += 1) {
      await commitStep(
        tableName,
        `saga-${step}`,
        `Step${step}`,
        [0, 1, 2].map((n) => ({
          eventId: `evt-${step}-${n}`,
          eventType: n === 0 ? 'OrderPlaced' : 'StockReserved',
          sagaId: `saga-${step}`,
          payload: { step, n, note: 'ünïcode ✓' },
        })),
      );
    }
    const event = await readStreamEvent(tableName);
    expect(event.Records).toHaveLength(16);

    const response = await relayTo(queueUrl)(event);

    expect(response.batchItemFailures).toEqual([]);
    const messages = await drainQueue(emulator.sqs, queueUrl);
    expect(messages).toHaveLength(12);
    const byId = new Map(messages.map((message) => [envelopeOf(message).eventId, message]));
    const first = byId.get('evt-2-1');
    expect(first).toBeDefined();
    expect(envelopeOf(first!)).toEqual({
      eventId: 'evt-2-1',
      eventType: 'StockReserved',
      sagaId: 'saga-2',
      sagaName: 'PlaceOrder',
      step: 'Step2',
      createdAt: expect.any(String),
      payload: { step: 2, n: 1, note: 'ünïcode ✓' },
    });
    expect(first!.MessageAttributes).toEqual({
      eventType: { DataType: 'String', StringValue: 'StockReserved' },
      sagaId: { DataType: 'String', StringValue: 'saga-2' },
      eventId: { DataType: 'String', StringValue: 'evt-2-1' },
    });
  });

  it('keeps the order of each message group on a FIFO queue and deduplicates a redelivered batch by eventId', async () => {
    const tableName = await createParticipantTable(dynamo, 'relay');
    const { queueUrl } = emulator.createQueue(`${tableName}-events.fifo`);
    // Two sagas interleaved; saga-b's events carry an explicit group.
    for (let n = 0; n < 6; n += 1) {
      await commitStep(tableName, 'saga-a', `Step${n}`, [
        { eventId: `a-${n}`, eventType: 'A', sagaId: 'saga-a', payload: { n } },
      ]);
      await commitStep(tableName, 'saga-b', `Step${n}`, [
        { eventId: `b-${n}`, eventType: 'B', sagaId: 'saga-b', groupId: 'customer-7', payload: { n } },
      ]);
    }
    const event = await readStreamEvent(tableName);
    const relay = relayTo(queueUrl);

    expect((await relay(event)).batchItemFailures).toEqual([]);
    // The stream redelivers a batch after a partial failure; the copies must not reach consumers.
    expect((await relay(event)).batchItemFailures).toEqual([]);

    const messages = await drainQueue(emulator.sqs, queueUrl);
    const inGroup = (group: string) =>
      messages
        .filter((message) => message.Attributes?.MessageGroupId === group)
        .map((m) => envelopeOf(m).eventId);
    expect(messages).toHaveLength(12);
    expect(inGroup('saga-a')).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    expect(inGroup('customer-7')).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4', 'b-5']);
    expect(messages.every((m) => m.Attributes?.MessageDeduplicationId === envelopeOf(m).eventId)).toBe(true);
  });

  it('reports exactly the records whose entries SQS refused and delivers the rest', async () => {
    const tableName = await createParticipantTable(dynamo, 'relay');
    const { queueUrl } = emulator.createQueue(`${tableName}-events`);
    // U+FFFF is outside SQS's allowed characters: SQS refuses that one entry of the batch.
    await commitStep(tableName, 'saga-1', 'Reserve', [
      { eventId: 'ok-1', eventType: 'E', sagaId: 'saga-1', payload: { n: 1 } },
      { eventId: 'bad-1', eventType: 'E', sagaId: 'saga-1', payload: null, payloadText: '{"text":"\uFFFF"}' },
      { eventId: 'ok-2', eventType: 'E', sagaId: 'saga-1', payload: { n: 2 } },
      { eventId: 'bad-2', eventType: 'E', sagaId: 'saga-1', payload: null, payloadText: '"\uFFFF"' },
    ]);
    const event = await readStreamEvent(tableName);

    const response = await relayTo(queueUrl)(event);

    const refused = sequenceNumbersOf(event, (record) => eventIdOf(record)?.startsWith('bad-') === true);
    expect(refused).toHaveLength(2);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      refused.sort(),
    );
    const delivered = (await drainQueue(emulator.sqs, queueUrl)).map(
      (message) => envelopeOf(message).eventId,
    );
    expect(delivered.sort()).toEqual(['ok-1', 'ok-2']);
  });

  it('on a FIFO queue, reports a refused event and the later events of the batch, and sends the earlier ones', async () => {
    const tableName = await createParticipantTable(dynamo, 'relay');
    const { queueUrl } = emulator.createQueue(`${tableName}-events.fifo`);
    await commitStep(tableName, 'saga-1', 'S1', [
      { eventId: 'a-1', eventType: 'E', sagaId: 'saga-1', payload: {} },
    ]);
    await commitStep(tableName, 'saga-1', 'S2', [
      { eventId: 'a-2', eventType: 'E', sagaId: 'saga-1', payload: null, payloadText: '"\uFFFF"' },
    ]);
    await commitStep(tableName, 'saga-2', 'S1', [
      { eventId: 'b-1', eventType: 'E', sagaId: 'saga-2', payload: {} },
    ]);
    await commitStep(tableName, 'saga-1', 'S3', [
      { eventId: 'a-3', eventType: 'E', sagaId: 'saga-1', payload: {} },
    ]);
    const event = await readStreamEvent(tableName);

    const response = await relayTo(queueUrl)(event);

    const expectedFailures = sequenceNumbersOf(event, (r) => ['a-2', 'a-3'].includes(eventIdOf(r) ?? ''));
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(expectedFailures.sort());
    const delivered = (await drainQueue(emulator.sqs, queueUrl)).map(
      (message) => envelopeOf(message).eventId,
    );
    expect(delivered.sort()).toEqual(['a-1', 'b-1']);
  });

  it('fails the whole batch, so Lambda retries and bisects it, when the queue does not exist', async () => {
    const tableName = await createParticipantTable(dynamo, 'relay');
    await commitStep(tableName, 'saga-1', 'S1', [
      { eventId: 'x-1', eventType: 'E', sagaId: 'saga-1', payload: {} },
    ]);
    // As the event source's filter delivers it: outbox inserts only, so every record of the batch fails.
    const event = onlyOutboxInserts(await readStreamEvent(tableName));
    const missingQueueUrl = `${emulator.endpoint}/000000000000/${tableName}-missing`;

    await expect(relayTo(missingQueueUrl)(event)).rejects.toThrow(/All records failed processing/);
  });

  it('fails a record whose outbox payload is not JSON and relays the rest of the batch', async () => {
    const tableName = await createParticipantTable(dynamo, 'relay');
    const { queueUrl } = emulator.createQueue(`${tableName}-events`);
    await commitStep(tableName, 'saga-1', 'S1', [
      { eventId: 'good', eventType: 'E', sagaId: 'saga-1', payload: {} },
      { eventId: 'not-json', eventType: 'E', sagaId: 'saga-1', payload: null, payloadText: '{oops' },
    ]);
    const event = await readStreamEvent(tableName);

    const response = await relayTo(queueUrl)(event);

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(
      sequenceNumbersOf(event, (r) => eventIdOf(r) === 'not-json'),
    );
    expect((await drainQueue(emulator.sqs, queueUrl)).map((m) => envelopeOf(m).eventId)).toEqual(['good']);
  });
});
