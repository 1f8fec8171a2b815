import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { CreateTableCommand, type DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Message } from '@aws-sdk/client-sqs';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type CheckBackRequest,
  type CheckBackTarget,
  type CheckSchedule,
  createSweeperHandler,
  createTransactionalMessageClient,
  createTransactionalRelayHandler,
  type DeadLetterEnvelope,
  HoldingTable,
  type SweepReport,
  type TransactionalMessageClient,
  type TransactionalMessageEnvelope,
} from '../../functions/transactional-message/index.js';
import { freePort } from '../../infra/local/dynamodb-local.js';
import { getRecords, shardIdsOf, streamArnOf, trimHorizonIterator } from '../support/dynamo-streams.js';
import { localDynamoClient } from '../support/dynamo-tables.js';
import { drainQueue } from '../support/sqs-drain.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type SqsEmulator,
  startSqsEmulator,
} from '../support/sqs-emulator.js';

/** Short, explicit schedule: three checks, 10 s apart, the first 6 s after prepare (on a fake clock). */
const SCHEDULE: CheckSchedule = { firstCheckAfterMs: 6_000, checkIntervalMs: 10_000, maxChecks: 3 };
const SHARDS = 2;
const logger = new Logger({ logLevel: 'SILENT' });

let dynamo: DynamoDBClient;
let endpoint: string;
let emulator: SqsEmulator;
let tableCounter = 0;

beforeAll(async () => {
  endpoint = inject('dynamoDbEndpoint');
  dynamo = localDynamoClient(endpoint);
  emulator = await startSqsEmulator();
});

afterAll(async () => {
  dynamo?.destroy();
  await emulator?.stop();
});

type Answer = 'COMMIT' | 'ROLLBACK' | 'UNKNOWN' | 'HTTP 500' | 'not JSON';

/** The producer's check-back endpoint on loopback: answers per transaction id and records every call. */
class CheckBackEndpoint {
  readonly calls: CheckBackRequest[] = [];
  readonly answers = new Map<string, Answer>();
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      const call = JSON.parse(body) as CheckBackRequest;
      this.calls.push(call);
      const answer = this.answers.get(call.transactionId) ?? 'UNKNOWN';
      if (answer === 'HTTP 500') {
        response.writeHead(500).end('database unavailable');
      } else if (answer === 'not JSON') {
        response.writeHead(200).end('committed, probably');
      } else {
        response.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            status: answer,
            detail: answer === 'UNKNOWN' ? 'transaction still open' : undefined,
          }),
        );
      }
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/check-back`;
  }

  callsFor(transactionId: string): CheckBackRequest[] {
    return this.calls.filter((call) => call.transactionId === transactionId);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

async function createHoldingTable(): Promise<{ tableName: string; streamArn: string }> {
  tableCounter += 1;
  const tableName = `txmsg-${Date.now()}-${tableCounter}`;
  await dynamo.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: HoldingTable.partitionKey, AttributeType: 'S' },
        { AttributeName: HoldingTable.pendingIndexPartitionKey, AttributeType: 'S' },
        { AttributeName: HoldingTable.pendingIndexSortKey, AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: HoldingTable.partitionKey, KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: HoldingTable.pendingIndex,
          KeySchema: [
            { AttributeName: HoldingTable.pendingIndexPartitionKey, KeyType: 'HASH' },
            { AttributeName: HoldingTable.pendingIndexSortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  await dynamo.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: HoldingTable.ttlAttribute },
    }),
  );
  return { tableName, streamArn: await streamArnOf(dynamo, tableName) };
}

/** Plays Lambda's stream event source: hands every new stream record to the relay, in order. */
class StreamPump {
  private iterators = new Map<string, string>();
  constructor(private readonly streamArn: string) {}

  async next(): Promise<DynamoDBRecord[]> {
    const records: DynamoDBRecord[] = [];
    for (const shardId of await shardIdsOf(endpoint, this.streamArn)) {
      const iterator =
        this.iterators.get(shardId) ?? (await trimHorizonIterator(endpoint, this.streamArn, shardId));
      const page = await getRecords(endpoint, iterator);
      if (page.NextShardIterator) this.iterators.set(shardId, page.NextShardIterator);
      records.push(...page.Records);
    }
    return records;
  }
}

interface Harness {
  readonly client: TransactionalMessageClient;
  readonly checkBack: CheckBackEndpoint;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  /** Moves the fake clock (both producer and sweeper read it); nothing sleeps. */
  advance(ms: number): void;
  sweep(): Promise<SweepReport>;
  /** Runs the relay on every stream record written since the last call; returns its batch response. */
  relay(): Promise<{ records: number; failures: number }>;
  /** Receives and deletes everything in a queue. */
  drain(queueUrl: string): Promise<Message[]>;
  readonly tableName: string;
}

const harnesses: { stop(): Promise<void> }[] = [];

afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.stop();
});

function drain(queueUrl: string): Promise<Message[]> {
  return drainQueue(emulator.sqs, queueUrl);
}

async function harness(
  options: {
    fifo?: boolean;
    checkBack?: (endpointUrl: string) => CheckBackTarget;
    lambda?: LambdaClient;
  } = {},
): Promise<Harness> {
  const { tableName, streamArn } = await createHoldingTable();
  const checkBack = new CheckBackEndpoint();
  const url = await checkBack.start();
  harnesses.push(checkBack);
  const suffix = `${tableCounter}-${Date.now()}`;
  const queue = emulator.createQueue(options.fifo ? `orders-${suffix}.fifo` : `orders-${suffix}`);
  const deadLetters = emulator.createQueue(`unresolved-${suffix}`);
  let clock = Date.parse('2026-03-01T10:00:00.000Z');
  const now = () => clock;
  const client = createTransactionalMessageClient({
    dynamo,
    tableName,
    firstCheckAfterMs: SCHEDULE.firstCheckAfterMs,
    pendingShards: SHARDS,
    retentionDays: 1,
    now,
  });
  const sweeper = createSweeperHandler({
    dynamo,
    logger,
    ...(options.lambda ? { lambda: options.lambda } : {}),
    now,
    config: {
      tableName,
      firstCheckAfterMs: SCHEDULE.firstCheckAfterMs,
      pendingShards: SHARDS,
      retentionDays: 1,
      schedule: SCHEDULE,
      checkBack: options.checkBack ? options.checkBack(url) : { kind: 'webhook', url },
      checkBackTimeoutMs: 2_000,
    },
  });
  const relay = createTransactionalRelayHandler({
    sqs: emulator.sqs,
    logger,
    dynamo,
    now,
    config: {
      tableName,
      producerName: 'Payments',
      queueUrl: queue.queueUrl,
      deadLetterQueueUrl: deadLetters.queueUrl,
      fifo: options.fifo ?? false,
    },
  });
  const pump = new StreamPump(streamArn);
  return {
    client,
    checkBack,
    tableName,
    queueUrl: queue.queueUrl,
    deadLetterQueueUrl: deadLetters.queueUrl,
    advance(ms) {
      clock += ms;
    },
    sweep: () => sweeper(),
    async relay() {
      const records = (await pump.next()).map((record) => ({ ...record, eventSourceARN: streamArn }));
      if (records.length === 0) return { records: 0, failures: 0 };
      const response = await relay({ Records: records });
      return { records: records.length, failures: response.batchItemFailures.length };
    },
    drain,
  };
}

function bodyOf<T>(message: Message): T {
  return JSON.parse(message.Body ?? '') as T;
}

describe('producer resolves its own message', () => {
  it('delivers a prepared and committed message once, as an inbox-ready envelope, and marks it delivered', async () => {
    const h = await harness();
    const prepared = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: { orderId: 'o-1', amount: 42 },
      transactionId: 'rds-tx-1',
    });
    expect(prepared).toMatchObject({
      state: 'prepared',
      transactionId: 'rds-tx-1',
      preparedAt: '2026-03-01T10:00:00.000Z',
      firstCheckAt: '2026-03-01T10:00:06.000Z',
    });

    await h.relay();
    expect(await h.drain(h.queueUrl)).toEqual([]);

    expect(await h.client.commit(prepared.messageId)).toEqual({
      messageId: prepared.messageId,
      state: 'committed',
      alreadyResolved: false,
    });
    expect(await h.relay()).toMatchObject({ failures: 0 });
    const delivered = await h.drain(h.queueUrl);
    expect(delivered).toHaveLength(1);
    expect(bodyOf<TransactionalMessageEnvelope>(delivered[0]!)).toEqual({
      eventId: prepared.messageId,
      eventType: 'OrderPaid',
      sagaId: 'rds-tx-1',
      sagaName: 'Payments',
      step: 'TransactionalMessage',
      createdAt: '2026-03-01T10:00:00.000Z',
      payload: { orderId: 'o-1', amount: 42 },
      messageId: prepared.messageId,
      transactionId: 'rds-tx-1',
      resolvedBy: 'producer',
      resolvedAt: '2026-03-01T10:00:00.000Z',
    });
    expect(delivered[0]?.MessageAttributes?.messageId?.StringValue).toBe(prepared.messageId);
    expect(await h.client.getStatus(prepared.messageId)).toMatchObject({ state: 'delivered', checks: 0 });

    // The delivered mark is a stream record too; it must not send the message again.
    await h.relay();
    h.advance(60_000);
    expect(await h.sweep()).toMatchObject({ due: 0, checked: 0 });
    expect(await h.drain(h.queueUrl)).toEqual([]);
    expect(h.checkBack.calls).toEqual([]);
  });

  it('never delivers a rolled-back message and never checks it back', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({ messageType: 'OrderPaid', payload: { orderId: 'o-2' } });
    expect(await h.client.rollback(messageId)).toEqual({
      messageId,
      state: 'rolled-back',
      alreadyResolved: false,
    });
    await h.relay();
    h.advance(SCHEDULE.firstCheckAfterMs + SCHEDULE.maxChecks * SCHEDULE.checkIntervalMs);
    expect(await h.sweep()).toMatchObject({ due: 0 });
    await h.relay();
    expect(await h.drain(h.queueUrl)).toEqual([]);
    expect(await h.drain(h.deadLetterQueueUrl)).toEqual([]);
    expect(h.checkBack.calls).toEqual([]);
    expect(await h.client.getStatus(messageId)).toMatchObject({
      state: 'rolled-back',
      resolvedBy: 'producer',
    });
  });

  it('treats a second commit as a no-op that reports alreadyResolved, and delivers once', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({ messageType: 'OrderPaid', payload: { orderId: 'o-3' } });
    await h.client.commit(messageId);
    expect(await h.client.commit(messageId)).toEqual({
      messageId,
      state: 'committed',
      alreadyResolved: true,
    });
    await h.relay();
    expect(await h.client.commit(messageId)).toEqual({
      messageId,
      state: 'delivered',
      alreadyResolved: true,
    });
    await h.relay();
    expect(await h.drain(h.queueUrl)).toHaveLength(1);
  });

  it('refuses a commit after a rollback, and a rollback after a commit, with the reason', async () => {
    const h = await harness();
    const rolledBack = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      messageId: 'msg-rolled-back',
    });
    await h.client.rollback(rolledBack.messageId);
    await expect(h.client.commit('msg-rolled-back')).rejects.toThrow(
      'Cannot commit message "msg-rolled-back": it was rolled back at 2026-03-01T10:00:00.000Z by producer.',
    );
    await expect(h.client.commit('msg-rolled-back')).rejects.toMatchObject({
      name: 'TransactionalMessageStateError',
    });
    const committed = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      messageId: 'msg-committed',
    });
    await h.client.commit(committed.messageId);
    await expect(h.client.rollback('msg-committed')).rejects.toThrow(
      'Cannot rollback message "msg-committed": it was committed (state "committed") at 2026-03-01T10:00:00.000Z by producer.',
    );
    expect(await h.client.getStatus('msg-rolled-back')).toMatchObject({ state: 'rolled-back' });
    await h.relay();
    expect((await h.drain(h.queueUrl)).map((m) => bodyOf<TransactionalMessageEnvelope>(m).messageId)).toEqual(
      ['msg-committed'],
    );
  });

  it('refuses to resolve an id that was never prepared', async () => {
    const h = await harness();
    await expect(h.client.commit('never-prepared')).rejects.toThrow(
      `Cannot commit message "never-prepared": no such message in table ${h.tableName}. Prepare it first; resolved messages expire after the retention period.`,
    );
    await expect(h.client.rollback('never-prepared')).rejects.toMatchObject({
      name: 'TransactionalMessageNotFoundError',
    });
  });

  it('returns the stored message for a retried prepare and refuses a different message under the same id', async () => {
    const h = await harness();
    const first = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: { n: 1 },
      messageId: 'msg-retry',
    });
    h.advance(1_000);
    expect(
      await h.client.prepare({ messageType: 'OrderPaid', payload: { n: 1 }, messageId: 'msg-retry' }),
    ).toEqual(first);
    await expect(
      h.client.prepare({ messageType: 'OrderPaid', payload: { n: 2 }, messageId: 'msg-retry' }),
    ).rejects.toThrow(
      'Message id "msg-retry" is already used by another message (type "OrderPaid", prepared at 2026-03-01T10:00:00.000Z, state "prepared"). Use a new id per message, or omit `messageId` to get a generated one.',
    );
  });

  it('on a FIFO queue sets the group and deduplicates by message id', async () => {
    const h = await harness({ fifo: true });
    const a = await h.client.prepare({ messageType: 'OrderPaid', payload: { n: 1 }, groupId: 'customer-7' });
    const b = await h.client.prepare({ messageType: 'OrderPaid', payload: { n: 2 } });
    await h.client.commit(a.messageId);
    await h.client.commit(b.messageId);
    await h.relay();
    const messages = await h.drain(h.queueUrl);
    expect(
      messages.map((m) => [m.Attributes?.MessageGroupId, m.Attributes?.MessageDeduplicationId]).sort(),
    ).toEqual(
      [
        ['customer-7', a.messageId],
        [b.messageId, b.messageId],
      ].sort(),
    );
  });
});

describe('check-back resolves what the producer left open', () => {
  it('checks nothing before the first check is due, then delivers the message the check-back says committed', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: { orderId: 'o-4' },
      transactionId: 'rds-tx-4',
    });
    h.checkBack.answers.set('rds-tx-4', 'COMMIT');
    h.advance(SCHEDULE.firstCheckAfterMs - 1);
    expect(await h.sweep()).toMatchObject({ due: 0, checked: 0 });
    expect(h.checkBack.calls).toEqual([]);

    h.advance(1);
    expect(await h.sweep()).toEqual({
      due: 1,
      checked: 1,
      committed: 1,
      rolledBack: 0,
      unknown: 0,
      deadLettered: 0,
    });
    expect(h.checkBack.calls).toEqual([
      {
        messageId,
        transactionId: 'rds-tx-4',
        messageType: 'OrderPaid',
        payload: { orderId: 'o-4' },
        preparedAt: '2026-03-01T10:00:00.000Z',
        check: 1,
        maxChecks: 3,
      },
    ]);
    expect(await h.client.getStatus(messageId)).toMatchObject({
      state: 'committed',
      resolvedBy: 'check-back',
      lastCheckAnswer: 'COMMIT',
      checks: 1,
    });
    await h.relay();
    const delivered = await h.drain(h.queueUrl);
    expect(delivered.map((m) => bodyOf<TransactionalMessageEnvelope>(m))).toMatchObject([
      { messageId, resolvedBy: 'check-back', payload: { orderId: 'o-4' } },
    ]);
    // A late commit from the producer is harmless.
    expect(await h.client.commit(messageId)).toMatchObject({ alreadyResolved: true });
  });

  it('discards the message the check-back says rolled back', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      transactionId: 'rds-tx-5',
    });
    h.checkBack.answers.set('rds-tx-5', 'ROLLBACK');
    h.advance(SCHEDULE.firstCheckAfterMs);
    expect(await h.sweep()).toMatchObject({ checked: 1, rolledBack: 1 });
    await h.relay();
    expect(await h.drain(h.queueUrl)).toEqual([]);
    expect(await h.client.getStatus(messageId)).toMatchObject({
      state: 'rolled-back',
      resolvedBy: 'check-back',
    });
    await expect(h.client.commit(messageId)).rejects.toMatchObject({
      name: 'TransactionalMessageStateError',
    });
  });

  it('asks again every interval while the answer is UNKNOWN and commits when it changes', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      transactionId: 'rds-tx-6',
    });
    h.advance(SCHEDULE.firstCheckAfterMs);
    expect(await h.sweep()).toMatchObject({ checked: 1, unknown: 1 });
    expect(await h.client.getStatus(messageId)).toMatchObject({
      state: 'prepared',
      checks: 1,
      lastCheckAnswer: 'UNKNOWN',
      nextCheckAt: '2026-03-01T10:00:16.000Z',
    });
    h.advance(SCHEDULE.checkIntervalMs - 1);
    expect(await h.sweep()).toMatchObject({ checked: 0 });
    h.checkBack.answers.set('rds-tx-6', 'COMMIT');
    h.advance(1);
    expect(await h.sweep()).toMatchObject({ checked: 1, committed: 1 });
    expect(h.checkBack.callsFor('rds-tx-6').map((call) => call.check)).toEqual([1, 2]);
    await h.relay();
    expect(await h.drain(h.queueUrl)).toHaveLength(1);
  });

  it('dead-letters a message whose check-back answers UNKNOWN every time, after exactly maxChecks checks, with the reason', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: { orderId: 'o-7' },
      transactionId: 'rds-tx-7',
    });
    h.advance(SCHEDULE.firstCheckAfterMs);
    for (let check = 1; check <= SCHEDULE.maxChecks; check += 1) {
      const report = await h.sweep();
      expect(report).toMatchObject(
        check < SCHEDULE.maxChecks ? { checked: 1, unknown: 1 } : { checked: 1, deadLettered: 1 },
      );
      h.advance(SCHEDULE.checkIntervalMs);
    }
    expect(await h.sweep()).toMatchObject({ due: 0 });
    expect(h.checkBack.callsFor('rds-tx-7').map((call) => call.check)).toEqual([1, 2, 3]);

    const status = await h.client.getStatus(messageId);
    expect(status).toMatchObject({ state: 'dead-lettered', resolvedBy: 'check-budget', checks: 3 });
    expect(status?.deadLetterReason).toMatch(
      /^The producer's check-back did not answer COMMIT or ROLLBACK in 3 checks \(limit 3\); last answer: Check-back http:\/\/127\.0\.0\.1:\d+\/check-back answered UNKNOWN: transaction still open$/,
    );

    await h.relay();
    expect(await h.drain(h.queueUrl)).toEqual([]);
    const deadLetters = await h.drain(h.deadLetterQueueUrl);
    expect(deadLetters).toHaveLength(1);
    expect(bodyOf<DeadLetterEnvelope>(deadLetters[0]!)).toMatchObject({
      messageId,
      transactionId: 'rds-tx-7',
      payload: { orderId: 'o-7' },
      checks: 3,
      resolvedBy: 'check-budget',
      deadLetterReason: status?.deadLetterReason,
    });
    await expect(h.client.commit(messageId)).rejects.toThrow(
      `Cannot commit message "${messageId}": its check-backs were exhausted and it was dead-lettered; resolve it from the dead-letter queue at 2026-03-01T10:00:26.000Z by check-budget.`,
    );
  });

  it('counts an unreachable check-back, an HTTP error and a malformed answer as UNKNOWN and dead-letters with the last failure', async () => {
    const closedPort = await freePort();
    const h = await harness({
      checkBack: () => ({ kind: 'webhook', url: `http://127.0.0.1:${closedPort}/check-back` }),
    });
    const { messageId } = await h.client.prepare({ messageType: 'OrderPaid', payload: {} });
    h.advance(SCHEDULE.firstCheckAfterMs);
    for (let check = 1; check <= SCHEDULE.maxChecks; check += 1) {
      await h.sweep();
      h.advance(SCHEDULE.checkIntervalMs);
    }
    const status = await h.client.getStatus(messageId);
    expect(status).toMatchObject({ state: 'dead-lettered', checks: 3 });
    expect(status?.deadLetterReason).toContain(
      `last answer: Check-back http://127.0.0.1:${closedPort}/check-back could not be reached: TypeError: fetch failed: `,
    );

    const other = await harness();
    const errors = await other.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      transactionId: 'tx-500',
    });
    const garbled = await other.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      transactionId: 'tx-garbled',
    });
    other.checkBack.answers.set('tx-500', 'HTTP 500');
    other.checkBack.answers.set('tx-garbled', 'not JSON');
    other.advance(SCHEDULE.firstCheckAfterMs);
    expect(await other.sweep()).toMatchObject({ checked: 2, unknown: 2 });
    expect((await other.client.getStatus(errors.messageId))?.lastCheckError).toMatch(
      /^Check-back http:\/\/127\.0\.0\.1:\d+\/check-back answered HTTP 500: database unavailable$/,
    );
    expect((await other.client.getStatus(garbled.messageId))?.lastCheckError).toMatch(
      /^Check-back http:\/\/127\.0\.0\.1:\d+\/check-back answered "committed, probably", which is not JSON \{"status":"COMMIT"\|"ROLLBACK"\|"UNKNOWN"\}$/,
    );
  });

  it('asks the check-back once when two sweeps find the same due message at the same time', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      transactionId: 'rds-tx-9',
    });
    h.advance(SCHEDULE.firstCheckAfterMs);
    const reports = await Promise.all([h.sweep(), h.sweep(), h.sweep()]);
    expect(reports.map((report) => report.checked).reduce((a, b) => a + b)).toBe(1);
    expect(h.checkBack.callsFor('rds-tx-9')).toHaveLength(1);
    expect(await h.client.getStatus(messageId)).toMatchObject({ checks: 1, state: 'prepared' });
  });

  it('lets the producer commit between two UNKNOWN checks, and stops checking', async () => {
    const h = await harness();
    const { messageId } = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      transactionId: 'rds-tx-8',
    });
    h.advance(SCHEDULE.firstCheckAfterMs);
    await h.sweep();
    await h.client.commit(messageId);
    h.advance(SCHEDULE.checkIntervalMs * 5);
    expect(await h.sweep()).toMatchObject({ due: 0 });
    expect(h.checkBack.callsFor('rds-tx-8')).toHaveLength(1);
    await h.relay();
    expect(await h.drain(h.queueUrl)).toHaveLength(1);
  });

  it('asks a check-back function through the Lambda Invoke API and applies its answer', async () => {
    // A loopback server speaking Lambda's Invoke API, so the real SDK client and wire format are exercised.
    const invocations: { functionName: string; payload: CheckBackRequest }[] = [];
    const lambdaApi = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        const functionName = decodeURIComponent(request.url?.split('/')[3] ?? '');
        const payload = JSON.parse(body) as CheckBackRequest;
        invocations.push({ functionName, payload });
        if (payload.transactionId === 'tx-crash') {
          response
            .writeHead(200, { 'x-amz-function-error': 'Unhandled', 'content-type': 'application/json' })
            .end(JSON.stringify({ errorType: 'Error', errorMessage: 'db down' }));
          return;
        }
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'COMMIT' }));
      });
    });
    lambdaApi.listen(0, '127.0.0.1');
    await once(lambdaApi, 'listening');
    const lambda = new LambdaClient({
      endpoint: `http://127.0.0.1:${(lambdaApi.address() as AddressInfo).port}`,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    });
    harnesses.push({
      async stop() {
        lambda.destroy();
        lambdaApi.closeAllConnections();
        await new Promise((resolve) => lambdaApi.close(resolve));
      },
    });
    const h = await harness({
      lambda,
      checkBack: () => ({ kind: 'lambda', functionName: 'payments-check-back' }),
    });
    const ok = await h.client.prepare({ messageType: 'OrderPaid', payload: {}, transactionId: 'tx-ok' });
    const crash = await h.client.prepare({
      messageType: 'OrderPaid',
      payload: {},
      transactionId: 'tx-crash',
    });
    h.advance(SCHEDULE.firstCheckAfterMs);
    expect(await h.sweep()).toMatchObject({ checked: 2, committed: 1, unknown: 1 });
    expect(invocations.map((call) => call.functionName)).toEqual([
      'payments-check-back',
      'payments-check-back',
    ]);
    expect(await h.client.getStatus(ok.messageId)).toMatchObject({ state: 'committed' });
    expect((await h.client.getStatus(crash.messageId))?.lastCheckError).toBe(
      'Check-back function payments-check-back failed (Unhandled): {"errorType":"Error","errorMessage":"db down"}',
    );
  });
});
