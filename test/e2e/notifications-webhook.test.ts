import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { afterAll, describe, expect, it } from 'vitest';
import {
  getNotificationStatus,
  type NotificationStatus,
  publishNotification,
  redriveDeadLetters,
} from '../../functions/notifier/index.js';
import { useLocalCloud } from '../../infra/local/testing/index.js';
import { engineClients, eventually } from '../support/local-cloud.js';
import { buildNotificationsFixtureApp, WEBHOOK_CHANNEL } from './fixtures/notifications-app.js';
import { startWebhookServer } from './fixtures/webhook-server.js';

const webhook = await startWebhookServer('down');
// Not cached: the webhook's port is part of the synthesized app.
const local = useLocalCloud(() => buildNotificationsFixtureApp(webhook.url), { pollIntervalMs: 50 });
afterAll(() => webhook.close());

const clients = () => engineClients(local.cloud);
const queueUrl = (path: string) => local.cloud.resources.find(path, 'queue').url ?? '';
const store = () => ({
  dynamo: clients().dynamodb,
  tableName: local.cloud.resources.find('Webhook/StatusTable', 'table').name,
});
const statusOf = (id: string) => getNotificationStatus(id, store());
const statusIn = (id: string, state: NotificationStatus['state'], timeoutMs = 20_000) =>
  eventually(
    async () => {
      const status = await statusOf(id);
      return status?.state === state ? status : undefined;
    },
    timeoutMs,
    `notification ${id} to be ${state}`,
  );
const depth = async (url: string) => {
  const { Attributes = {} } = await clients().sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
};

/** The notifier's delay after the n-th failed attempt: base × 2^(n-1), equal jitter, whole seconds. */
const backoffBounds = (attempt: number) => {
  const ceiling = Math.min(
    WEBHOOK_CHANNEL.backoffMaxSeconds,
    WEBHOOK_CHANNEL.backoffBaseSeconds * 2 ** (attempt - 1),
  );
  return { min: Math.ceil(ceiling / 2), max: ceiling };
};

describe('webhook notification channel on the local cloud', () => {
  const notificationId = `n-${ulid()}`;

  it('retries a webhook that is down on the backoff schedule, then dead-letters it after maxReceiveCount attempts', async () => {
    await publishNotification({
      sqs: clients().sqs,
      queueUrl: queueUrl('Webhook/Queue'),
      payload: { orderId: 'o-webhook-1', event: 'OrderShipped' },
      notificationId,
      status: store(),
    });
    expect(await statusOf(notificationId)).toMatchObject({ state: 'pending', attempts: 0 });

    const failing = await statusIn(notificationId, 'failed-attempt', 10_000);
    expect(failing.attempts).toBeGreaterThanOrEqual(1);
    expect(failing.lastError).toBe(`Webhook ${webhook.url} answered HTTP 503: down for maintenance`);
    expect(Date.parse(failing.nextAttemptAt ?? '')).toBeGreaterThan(Date.parse(failing.lastAttemptAt ?? ''));

    const dead = await statusIn(notificationId, 'dead-lettered', 40_000);
    expect(dead).toMatchObject({ attempts: WEBHOOK_CHANNEL.maxReceiveCount, lastError: failing.lastError });
    expect(dead.nextAttemptAt).toBeUndefined();
    await eventually(
      async () => ((await depth(queueUrl('Webhook/DeadLetterQueue'))) === 1 ? true : undefined),
      10_000,
      'the message to reach the dead-letter queue',
    );
    expect(await depth(queueUrl('Webhook/Queue'))).toBe(0);

    const attempts = webhook.requestsFor(notificationId);
    expect(attempts.map((r) => r.headers['x-stepsaga-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(attempts.every((r) => r.status === 503)).toBe(true);
    const gaps = attempts.slice(1).map((r, i) => (r.at - (attempts[i]?.at ?? 0)) / 1000);
    gaps.forEach((gap, i) => {
      const { min, max } = backoffBounds(i + 1);
      // The message reappears when its visibility runs out; the poller picks it up within ~1 s more.
      expect(gap, `gap after attempt ${i + 1}: ${gaps.join(', ')} s`).toBeGreaterThanOrEqual(min - 0.2);
      expect(gap, `gap after attempt ${i + 1}: ${gaps.join(', ')} s`).toBeLessThanOrEqual(max + 1.5);
    });
  });

  it('redrives the dead letter back to the channel, and it is delivered once when the webhook is up', async () => {
    webhook.setMode('up');
    const result = await redriveDeadLetters({
      dlqUrl: queueUrl('Webhook/DeadLetterQueue'),
      sourceUrl: queueUrl('Webhook/Queue'),
      sqs: clients().sqs,
    });
    expect(result).toEqual({ mode: 'copy', moved: 1 });
    const delivered = await statusIn(notificationId, 'delivered');
    expect(delivered.attempts).toBe(WEBHOOK_CHANNEL.maxReceiveCount + 1);
    expect(delivered.lastError).toBe(`Webhook ${webhook.url} answered HTTP 503: down for maintenance`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const accepted = webhook.requestsFor(notificationId).filter((r) => r.status === 204);
    expect(accepted).toHaveLength(1);
    expect(JSON.parse(accepted[0]?.body ?? '{}')).toEqual({ orderId: 'o-webhook-1', event: 'OrderShipped' });
    expect(await depth(queueUrl('Webhook/DeadLetterQueue'))).toBe(0);
    expect(await depth(queueUrl('Webhook/Queue'))).toBe(0);
  });
});

describe('FIFO outbox relay on the local cloud', () => {
  it('keeps the events of each group in commit order and sends each event once', async () => {
    const table = local.cloud.resources.find('EventsFixture/Outbox/Resource', 'table').name;
    const relay = local.cloud.resources.find('OrderedEvents/Function', 'function').name;
    // A crash of the first invocation makes the poller retry the batch: order and once-only must hold.
    local.cloud.faults.failNext(relay, { errorType: 'Error', errorMessage: 'relay crashed', times: 1 });
    const written: Array<{ group: string; eventId: string; seq: number }> = [];
    for (let seq = 1; seq <= 6; seq++) {
      for (const group of ['sku-a', 'sku-b']) {
        const eventId = ulid();
        written.push({ group, eventId, seq });
        await clients().dynamodb.send(
          new PutItemCommand({
            TableName: table,
            Item: marshall({
              pk: `OUTBOX#${eventId}`,
              sk: 'OUTBOX',
              itemType: 'outbox',
              eventId,
              eventType: 'StockChanged',
              payload: JSON.stringify({ sku: group, seq }),
              sagaId: `fifo-${seq}`,
              sagaName: 'Fixture',
              step: 'Change',
              groupId: group,
              createdAt: new Date().toISOString(),
            }),
          }),
        );
      }
    }

    const url = queueUrl('OrderedEvents/Queue');
    const received: Array<{ group: string; eventId: string; seq: number; dedup: string }> = [];
    await eventually(
      async () => {
        const { Messages = [] } = await clients().sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
          }),
        );
        for (const message of Messages) {
          const body = JSON.parse(message.Body ?? '{}') as { eventId: string; payload: { seq: number } };
          received.push({
            group: message.Attributes?.MessageGroupId ?? '',
            eventId: body.eventId,
            seq: body.payload.seq,
            dedup: message.Attributes?.MessageDeduplicationId ?? '',
          });
        }
        if (Messages.length > 0) {
          await clients().sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          );
        }
        return received.length >= written.length ? true : undefined;
      },
      30_000,
      `${written.length} events on the FIFO queue`,
    );
    expect(received).toHaveLength(written.length);
    for (const group of ['sku-a', 'sku-b']) {
      expect(received.filter((r) => r.group === group).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(received.every((r) => r.dedup === r.eventId)).toBe(true);
    expect(new Set(received.map((r) => r.eventId)).size).toBe(written.length);
  });
});
