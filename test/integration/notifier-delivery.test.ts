import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  createNotifierHandler,
  getNotificationStatus,
  type NotifierConfig,
  publishNotification,
  redriveDeadLetters,
  type StatusStore,
  verifyWebhookSignature,
  WebhookHeaders,
} from '../../functions/notifier/index.js';
import { localDynamoClient } from '../support/dynamo-tables.js';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.js';
import { pollOnce } from '../support/sqs-lambda-poller.js';

const SECRET = 'webhook-signing-secret';

interface WebhookRequest {
  readonly at: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook receiver on loopback that records every request and answers 503 while `down`. */
class Webhook {
  readonly requests: WebhookRequest[] = [];
  down = true;
  private readonly server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      this.requests.push({ at: Date.now(), headers: request.headers, body });
      response.writeHead(this.down ? 503 : 204).end(this.down ? 'down for maintenance' : undefined);
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let dynamo: DynamoDBClient;
let emulator: SqsEmulator;
let counter = 0;

beforeAll(async () => {
  dynamo = localDynamoClient(inject('dynamoDbEndpoint'));
  emulator = await startSqsEmulator();
});

afterAll(async () => {
  dynamo?.destroy();
  await emulator?.stop();
});

interface Channel {
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly dlqUrl: string;
  readonly store: StatusStore;
}

async function createChannel(maxReceiveCount: number): Promise<Channel> {
  counter += 1;
  const name = `notify-${Date.now()}-${counter}`;
  const dlq = emulator.createQueue(`${name}-dlq`);
  const queue = emulator.createQueue(name, {
    VisibilityTimeout: '30',
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.queueArn,
      maxReceiveCount: String(maxReceiveCount),
    }),
  });
  await dynamo.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'notificationId', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'notificationId', KeyType: 'HASH' }],
    }),
  );
  return { ...queue, dlqUrl: dlq.queueUrl, store: { dynamo, tableName: name } };
}

function notifierFor(channel: Channel, target: NotifierConfig['target'], maxReceiveCount: number) {
  return createNotifierHandler({
    sqs: emulator.sqs,
    dynamo,
    signingSecret: async () => SECRET,
    // The upper end of the jitter makes the schedule exact: 1 s, 2 s, 4 s.
    random: () => 1,
    config: {
      queueUrl: channel.queueUrl,
      statusTableName: channel.store.tableName,
      target,
      maxReceiveCount,
      backoff: { baseSeconds: 1, maxSeconds: 60 },
      deliveryTimeoutMs: 2_000,
      statusRetentionDays: 30,
    },
  });
}

/** Polls the queue the way Lambda's SQS event source does until `done()` or the deadline. */
async function pollUntil(
  channel: Channel,
  handler: ReturnType<typeof createNotifierHandler>,
  done: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`condition not reached within ${timeoutMs} ms`);
    await pollOnce({ sqs: emulator.sqs, queueUrl: channel.queueUrl, queueArn: channel.queueArn, handler });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes } = await emulator.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

describe('notifier: best-effort delivery to a webhook', () => {
  it('spaces attempts by the backoff, dead-letters after maxReceiveCount with the last error, and delivers after a redrive', async () => {
    const webhook = new Webhook();
    const url = await webhook.start();
    try {
      const channel = await createChannel(4);
      const notifier = notifierFor(
        channel,
        { kind: 'webhook', url, signingSecret: { kind: 'ssm', parameterName: 'x' } },
        4,
      );
      const payload = { orderId: 'o-17', status: 'shipped' };
      const { notificationId } = await publishNotification({
        sqs: emulator.sqs,
        queueUrl: channel.queueUrl,
        payload,
        status: channel.store,
      });
      expect(await getNotificationStatus(notificationId, channel.store)).toMatchObject({
        notificationId,
        state: 'pending',
        attempts: 0,
      });

      await pollUntil(channel, notifier, () => webhook.requests.length >= 1);
      const afterFirst = await getNotificationStatus(notificationId, channel.store);
      expect(afterFirst).toMatchObject({
        state: 'failed-attempt',
        attempts: 1,
        lastError: `Webhook ${url} answered HTTP 503: down for maintenance`,
      });
      expect(Date.parse(afterFirst!.nextAttemptAt!) - Date.parse(afterFirst!.lastAttemptAt!)).toBe(1_000);

      await pollUntil(channel, notifier, () => webhook.requests.length >= 4);
      const gaps = webhook.requests
        .slice(1)
        .map((request, index) => request.at - webhook.requests[index]!.at);
      // Each gap is the visibility set after the failure before it (1 s, 2 s, 4 s) plus polling slack;
      // the upper bound stays below the next step of the backoff, so a wrong factor still fails.
      expect(gaps).toHaveLength(3);
      [1_000, 2_000, 4_000].forEach((expected, index) => {
        expect(gaps[index]).toBeGreaterThanOrEqual(expected - 50);
        expect(gaps[index]).toBeLessThan(expected * 1.5);
      });
      expect(webhook.requests.map((request) => request.headers[WebhookHeaders.attempt])).toEqual([
        '1',
        '2',
        '3',
        '4',
      ]);

      expect(await getNotificationStatus(notificationId, channel.store)).toMatchObject({
        state: 'dead-lettered',
        attempts: 4,
        lastError: `Webhook ${url} answered HTTP 503: down for maintenance`,
      });
      // The fifth receive moves the message to the dead-letter queue instead of delivering it.
      await pollUntil(channel, notifier, async () => (await depth(channel.dlqUrl)) === 1);
      expect(await depth(channel.queueUrl)).toBe(0);
      expect(webhook.requests).toHaveLength(4);

      webhook.down = false;
      expect(
        await redriveDeadLetters({ dlqUrl: channel.dlqUrl, sourceUrl: channel.queueUrl, sqs: emulator.sqs }),
      ).toEqual({
        mode: 'copy',
        moved: 1,
      });
      expect(await depth(channel.dlqUrl)).toBe(0);

      await pollUntil(channel, notifier, () => webhook.requests.length >= 5);
      await pollUntil(channel, notifier, async () => (await depth(channel.queueUrl)) === 0);
      const delivered = webhook.requests[4]!;
      expect(JSON.parse(delivered.body)).toEqual(payload);
      expect(delivered.headers[WebhookHeaders.notificationId]).toBe(notificationId);
      expect(
        verifyWebhookSignature(
          SECRET,
          String(delivered.headers[WebhookHeaders.timestamp]),
          delivered.body,
          delivered.headers[WebhookHeaders.signature] as string,
        ),
      ).toBe(true);
      expect(await getNotificationStatus(notificationId, channel.store)).toMatchObject({
        state: 'delivered',
        attempts: 5,
        deliveredAt: expect.any(String),
      });
    } finally {
      await webhook.stop();
    }
  });

  it('delivers a notification once when its message arrives twice', async () => {
    const webhook = new Webhook();
    webhook.down = false;
    const url = await webhook.start();
    try {
      const channel = await createChannel(5);
      const notifier = notifierFor(channel, { kind: 'webhook', url }, 5);
      for (let copy = 0; copy < 2; copy += 1) {
        await publishNotification({
          sqs: emulator.sqs,
          queueUrl: channel.queueUrl,
          payload: 'plain text',
          notificationId: 'n-dup',
          status: channel.store,
        });
      }
      await pollUntil(channel, notifier, async () => (await depth(channel.queueUrl)) === 0);
      expect(webhook.requests).toHaveLength(1);
      expect(webhook.requests[0]!.body).toBe('plain text');
      expect(webhook.requests[0]!.headers[WebhookHeaders.signature]).toBeUndefined();
      expect(await getNotificationStatus('n-dup', channel.store)).toMatchObject({
        state: 'delivered',
        attempts: 1,
      });
    } finally {
      await webhook.stop();
    }
  });

  it('records an unreachable webhook as the failed attempt with the connection error', async () => {
    const webhook = new Webhook();
    const url = await webhook.start();
    await webhook.stop();
    const channel = await createChannel(5);
    const notifier = notifierFor(channel, { kind: 'webhook', url }, 5);
    const { notificationId } = await publishNotification({
      sqs: emulator.sqs,
      queueUrl: channel.queueUrl,
      payload: { n: 1 },
    });

    const { response } = await pollOnce({
      sqs: emulator.sqs,
      queueUrl: channel.queueUrl,
      queueArn: channel.queueArn,
      handler: notifier,
    });

    expect(response?.batchItemFailures).toHaveLength(1);
    const status = await getNotificationStatus(notificationId, channel.store);
    expect(status).toMatchObject({ state: 'failed-attempt', attempts: 1 });
    expect(status?.lastError).toMatch(
      new RegExp(
        `^Webhook ${url} could not be reached: TypeError: fetch failed: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+$`,
      ),
    );
  });
});
