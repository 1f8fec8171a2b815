/**
 * Outbox relay and notifier on the local cloud: commit → SQS latency, relay throughput, notifier
 * deliveries per second against a loopback webhook. Prints tables; not a test.
 *
 *   npx tsx bench/relay.ts [latencySamples] [throughputEvents] [notifications]   # defaults 50 500 200
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchWriteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { ulid } from 'ulid';
import { NotificationChannel, NotificationTarget } from '../infra/constructs/notification-channel/index.js';
import { OutboxRelay } from '../infra/constructs/outbox-relay/index.js';
import { startLocalCloud } from '../infra/local/index.js';

const [latencySamples = 50, throughputEvents = 500, notifications = 200] = process.argv
  .slice(2)
  .map((arg) => Number(arg));

function buildApp(webhookUrl: string): App {
  const app = new App();
  const stack = new Stack(app, 'RelayBench');
  const table = new dynamodb.TableV2(stack, 'Outbox', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
    timeToLiveAttribute: 'expiresAt',
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new OutboxRelay(stack, 'Events', { table });
  new NotificationChannel(stack, 'Webhook', {
    target: NotificationTarget.webhook(webhookUrl),
    notifierTimeout: Duration.seconds(10),
    deliveryTimeout: Duration.seconds(5),
  });
  return app;
}

const outboxItem = (n: number) => {
  const eventId = ulid();
  return {
    pk: `OUTBOX#${eventId}`,
    sk: 'OUTBOX',
    itemType: 'outbox',
    eventId,
    eventType: 'BenchEvent',
    payload: JSON.stringify({ n }),
    sagaId: `bench-${n}`,
    sagaName: 'Bench',
    step: 'Emit',
    createdAt: new Date().toISOString(),
  };
};

const percentile = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;

let delivered = 0;
let lastDelivery = 0;
const webhook = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    delivered += 1;
    lastDelivery = Date.now();
    res.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
const webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`;

const began = Date.now();
const cloud = await startLocalCloud({ app: () => buildApp(webhookUrl) });
const readyMs = Date.now() - began;
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const dynamo = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.region, credentials });
const sqs = new SQSClient({ endpoint: cloud.sqsEndpoint, region: cloud.region, credentials });
const table = cloud.resources.find('RelayBench/Outbox/Resource', 'table').name;
const eventsQueue = cloud.resources.find('Events/Queue', 'queue').url ?? '';
const channelQueue = cloud.resources.find('Webhook/Queue', 'queue').url ?? '';

async function drain(max: number, until: number): Promise<number[]> {
  const arrivals: number[] = [];
  while (arrivals.length < max && Date.now() < until) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: eventsQueue, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const now = Date.now();
    for (const _ of Messages) arrivals.push(now);
    if (Messages.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: eventsQueue,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
  return arrivals;
}

try {
  // Warm the relay worker (its first invocation loads the bundle).
  await dynamo.send(new PutItemCommand({ TableName: table, Item: marshall(outboxItem(-1)) }));
  await drain(1, Date.now() + 30_000);

  // 1. Commit → SQS, one event at a time: PutItem start to the message's arrival at a long-polling reader.
  const latencies: number[] = [];
  for (let n = 0; n < latencySamples; n++) {
    const start = Date.now();
    await dynamo.send(new PutItemCommand({ TableName: table, Item: marshall(outboxItem(n)) }));
    const [arrived] = await drain(1, Date.now() + 30_000);
    if (arrived) latencies.push(arrived - start);
  }
  latencies.sort((a, b) => a - b);

  // 2. Relay throughput: a burst of outbox items (BatchWriteItem, 25 per call), until all are on the queue.
  const burstStart = Date.now();
  const writes: Promise<unknown>[] = [];
  for (let n = 0; n < throughputEvents; n += 25) {
    const items = Array.from({ length: Math.min(25, throughputEvents - n) }, (_, i) => outboxItem(n + i));
    writes.push(
      dynamo.send(
        new BatchWriteItemCommand({
          RequestItems: { [table]: items.map((item) => ({ PutRequest: { Item: marshall(item) } })) },
        }),
      ),
    );
  }
  await Promise.all(writes);
  const writtenAt = Date.now();
  const arrivals = await drain(throughputEvents, Date.now() + 120_000);
  const burstEnd = arrivals[arrivals.length - 1] ?? Date.now();
  const relayRate = (arrivals.length / (burstEnd - burstStart)) * 1000;

  // 3. Notifier: a burst of notifications to a webhook that answers 204 at once.
  const publishStart = Date.now();
  for (let n = 0; n < notifications; n += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: channelQueue,
        Entries: Array.from({ length: Math.min(10, notifications - n) }, (_, i) => ({
          Id: String(i),
          MessageBody: JSON.stringify({ n: n + i }),
          MessageAttributes: { notificationId: { DataType: 'String', StringValue: ulid() } },
        })),
      }),
    );
  }
  const deadline = Date.now() + 120_000;
  while (delivered < notifications && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const notifyRate = (delivered / (lastDelivery - publishStart)) * 1000;
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: channelQueue,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );

  console.log(`\nlocal cloud ready in ${ms(readyMs)} (synth without cache + engines)\n`);
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(
    `| commit → SQS latency, ${latencies.length} events one at a time | p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}, max ${ms(latencies[latencies.length - 1] ?? Number.NaN)} |`,
  );
  console.log(
    `| relay throughput, burst of ${throughputEvents} (written in ${ms(writtenAt - burstStart)}) | ${relayRate.toFixed(0)} events/s (${arrivals.length} relayed in ${ms(burstEnd - burstStart)}) |`,
  );
  console.log(
    `| notifier, burst of ${notifications} to a loopback webhook | ${notifyRate.toFixed(0)} deliveries/s (${delivered} delivered in ${ms(lastDelivery - publishStart)}; ${Attributes.ApproximateNumberOfMessages ?? '?'} left) |`,
  );
} finally {
  dynamo.destroy();
  sqs.destroy();
  await cloud.stop();
  webhook.closeAllConnections();
  webhook.close();
}
