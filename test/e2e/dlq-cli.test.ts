import { execFile } from 'node:child_process';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../infra/local/gateway/index.js';
import { useLocalCloud } from '../../infra/local/testing/index.js';
import { engineClients, eventually } from '../support/local-cloud.js';
import { buildNotificationsFixtureApp } from './fixtures/notifications-app.js';
import { startWebhookServer } from './fixtures/webhook-server.js';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const webhook = await startWebhookServer('down');
const local = useLocalCloud(() => buildNotificationsFixtureApp(webhook.url), { pollIntervalMs: 50 });
let gateway: Gateway;

/** Runs the real `stepsaga` command as a client of the gateway, the way an operator would. */
function stepsaga(args: string[], endpoint = gateway.endpoint): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'node_modules/.bin/tsx',
      ['infra/local/cli/main.ts', ...args],
      { env: { ...process.env, AWS_ENDPOINT_URL: endpoint, AWS_REGION: 'us-east-1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const queue = (path: string) => local.cloud.resources.find(path, 'queue');
const visible = async (url: string) => {
  const { Attributes = {} } = await engineClients(local.cloud).sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages);
};

beforeAll(async () => {
  gateway = await startGateway(local.cloud, { port: 0 });
  // A notification that already gave up: what the notifier leaves in the channel's DLQ.
  await engineClients(local.cloud).sqs.send(
    new SendMessageCommand({
      QueueUrl: queue('Webhook/DeadLetterQueue').url,
      MessageBody: JSON.stringify({ orderId: 'cli-dlq-1', event: 'OrderShipped' }),
      MessageAttributes: { notificationId: { DataType: 'String', StringValue: 'cli-dlq-1' } },
    }),
  );
});
afterAll(async () => {
  await gateway?.stop();
  await webhook.close();
});

describe('stepsaga dlq', () => {
  it('lists every dead-letter queue with its depth and source queue', async () => {
    const { code, stdout, stderr } = await stepsaga(['dlq', 'list']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const dlq = queue('Webhook/DeadLetterQueue').name;
    const relayDlq = queue('OrderedEvents/DeadLetterQueue').name;
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^DEAD-LETTER QUEUE\s+DEPTH\s+SOURCE QUEUES$/);
    expect(lines.slice(2).map((line) => line.split(/\s+/))).toEqual(
      [
        [dlq, '1', queue('Webhook/Queue').name],
        [relayDlq, '0', queue('OrderedEvents/Queue').name],
      ].sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? '')),
    );
  });

  it('shows the messages of one dead-letter queue with --messages and leaves them there', async () => {
    const dlq = queue('Webhook/DeadLetterQueue');
    const { code, stdout } = await stepsaga(['dlq', 'list', 'WebhookDeadLetterQueue', '--messages']);
    expect(code).toBe(0);
    expect(stdout).toContain(`${dlq.name}: 1 of 1 message(s), left in the queue`);
    expect(stdout).toContain('attributes: notificationId=cli-dlq-1');
    expect(stdout).toContain('body: {"orderId":"cli-dlq-1","event":"OrderShipped"}');
    expect(await visible(dlq.url ?? '')).toBe(1);
  });

  it('refuses to redrive a queue that is no dead-letter queue, naming the ones there are', async () => {
    const { code, stderr } = await stepsaga(['dlq', 'redrive', queue('Webhook/Queue').name]);
    expect(code).toBe(2);
    expect(stderr).toContain(`No dead-letter queue matches "${queue('Webhook/Queue').name}"`);
    expect(stderr).toContain(queue('Webhook/DeadLetterQueue').name);
  });

  it('redrives the dead letters to their source queue, where the notifier delivers them once the webhook is up', async () => {
    webhook.setMode('up');
    const dlq = queue('Webhook/DeadLetterQueue');
    const { code, stdout } = await stepsaga(['dlq', 'redrive', dlq.name]);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(`Moved 1 message(s) from ${dlq.name} back to ${queue('Webhook/Queue').name}.`);
    const delivered = await eventually(
      async () => {
        const accepted = webhook.requestsFor('cli-dlq-1').filter((r) => r.status === 204);
        return accepted.length > 0 ? accepted : undefined;
      },
      15_000,
      'the redriven notification to reach the webhook',
    );
    expect(JSON.parse(delivered[0]?.body ?? '{}')).toEqual({ orderId: 'cli-dlq-1', event: 'OrderShipped' });
    expect(await visible(dlq.url ?? '')).toBe(0);
  });

  it('explains a connection failure when no local cloud listens', async () => {
    const { code, stderr } = await stepsaga(['dlq', 'list'], 'http://127.0.0.1:9');
    expect(code).toBe(2);
    expect(stderr).toContain('Cannot reach http://127.0.0.1:9');
  });
});
