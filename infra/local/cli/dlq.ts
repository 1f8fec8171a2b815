import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type RedriveResult, redriveDeadLetters } from '../../../functions/notifier/redrive.js';
import type { Target } from './endpoint.js';
import { CliUsageError } from './state-machines.js';
import { formatTable } from './table.js';

/** A queue that is some queue's RedrivePolicy target, with the queues that send to it. */
export interface DeadLetterQueue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  /** Visible + in flight + delayed messages. */
  readonly depth: number;
  /** URLs of the queues whose RedrivePolicy names this queue. */
  readonly sources: readonly string[];
}

export function createSqsClient(target: Target, env: NodeJS.ProcessEnv = process.env): SQSClient {
  if (!target.endpoint) return new SQSClient(target.region ? { region: target.region } : {});
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  return new SQSClient({
    endpoint: target.endpoint,
    region: target.region,
    // The local endpoint answers with queue URLs on its own host; use the configured endpoint.
    useQueueUrlAsEndpoint: false,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
}

const queueName = (url: string) => url.slice(url.lastIndexOf('/') + 1);

async function listQueueUrls(sqs: SQSClient): Promise<string[]> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const page = await sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: token }));
    urls.push(...(page.QueueUrls ?? []));
    token = page.NextToken;
  } while (token);
  return urls;
}

/**
 * Every dead-letter queue the endpoint has: the queues some queue's RedrivePolicy targets, with
 * their depth. ListDeadLetterSourceQueues would need one call per candidate and is missing on local
 * emulators, so the redrive policies of all queues are read instead.
 */
export async function listDeadLetterQueues(sqs: SQSClient): Promise<DeadLetterQueue[]> {
  const urls = await listQueueUrls(sqs);
  const attributes = await Promise.all(
    urls.map(async (url) => {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: [
            'QueueArn',
            'RedrivePolicy',
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return { url, attributes: Attributes };
    }),
  );
  const sourcesByTarget = new Map<string, string[]>();
  for (const { url, attributes: a } of attributes) {
    if (!a.RedrivePolicy) continue;
    const target = (JSON.parse(a.RedrivePolicy) as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    if (target) sourcesByTarget.set(target, [...(sourcesByTarget.get(target) ?? []), url]);
  }
  return attributes
    .filter(({ attributes: a }) => a.QueueArn && sourcesByTarget.has(a.QueueArn))
    .map(({ url, attributes: a }) => ({
      name: queueName(url),
      url,
      arn: a.QueueArn ?? '',
      depth:
        Number(a.ApproximateNumberOfMessages ?? 0) +
        Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      sources: sourcesByTarget.get(a.QueueArn ?? '') ?? [],
    }))
    .sort((x, y) => x.name.localeCompare(y.name));
}

/** Finds a dead-letter queue by name, URL, ARN or a unique part of its name. */
export function findDeadLetterQueue(dlqs: readonly DeadLetterQueue[], ref: string): DeadLetterQueue {
  const exact = dlqs.filter((q) => q.name === ref || q.url === ref || q.arn === ref);
  const matches = exact.length > 0 ? exact : dlqs.filter((q) => q.name.includes(ref));
  if (matches.length === 1 && matches[0]) return matches[0];
  const known = dlqs.map((q) => q.name).join(', ') || 'none';
  if (matches.length === 0) {
    throw new CliUsageError(
      `No dead-letter queue matches "${ref}" (a dead-letter queue is one that some queue's RedrivePolicy targets). Known dead-letter queues: ${known}.`,
    );
  }
  throw new CliUsageError(
    `"${ref}" matches ${matches.length} dead-letter queues (${matches.map((q) => q.name).join(', ')}); use the full name, URL or ARN.`,
  );
}

/**
 * Up to `max` messages of a queue, left in it: each page is received with a visibility timeout (so
 * that later pages do not repeat it) and made visible again at the end. Receiving still counts
 * towards each message's ApproximateReceiveCount.
 */
export async function peekMessages(sqs: SQSClient, queueUrl: string, max: number): Promise<Message[]> {
  const seen: Message[] = [];
  try {
    while (seen.length < max) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - seen.length),
          VisibilityTimeout: 30,
          WaitTimeSeconds: 0,
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      seen.push(...Messages);
    }
  } finally {
    for (let i = 0; i < seen.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: seen
            .slice(i, i + 10)
            .map((m, j) => ({ Id: `m${i + j}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return seen;
}

function describeMessage(message: Message): string {
  const sent = message.Attributes?.SentTimestamp
    ? new Date(Number(message.Attributes.SentTimestamp)).toISOString()
    : 'unknown';
  const attributes = Object.entries(message.MessageAttributes ?? {})
    .map(([name, value]) => `${name}=${value.StringValue ?? '(binary)'}`)
    .join(' ');
  const body = message.Body ?? '';
  return [
    `  ${message.MessageId}  sent ${sent}  receives ${message.Attributes?.ApproximateReceiveCount ?? '?'}`,
    ...(attributes ? [`    attributes: ${attributes}`] : []),
    `    body: ${body.length > 300 ? `${body.slice(0, 300)}… (${body.length} chars)` : body}`,
  ].join('\n');
}

export interface DlqListOptions {
  /** Only this dead-letter queue (name, URL, ARN or unique part of the name). */
  readonly queue?: string;
  /** Also print up to this many messages per queue (0: none). */
  readonly messages: number;
}

/** `stepsaga dlq list [queue] [--messages]`: the dead-letter queues with depth and sources. */
export async function dlqListReport(sqs: SQSClient, options: DlqListOptions): Promise<string> {
  const all = await listDeadLetterQueues(sqs);
  const dlqs = options.queue ? [findDeadLetterQueue(all, options.queue)] : all;
  if (dlqs.length === 0) return 'No dead-letter queues (no queue has a RedrivePolicy).';
  const lines = [
    formatTable(
      ['DEAD-LETTER QUEUE', 'DEPTH', 'SOURCE QUEUES'],
      dlqs.map((q) => [q.name, String(q.depth), q.sources.map(queueName).join(', ')]),
    ),
  ];
  if (options.messages > 0) {
    for (const q of dlqs) {
      if (q.depth === 0) continue;
      const messages = await peekMessages(sqs, q.url, options.messages);
      lines.push('', `${q.name}: ${messages.length} of ${q.depth} message(s), left in the queue`);
      lines.push(...messages.map(describeMessage));
    }
  }
  return lines.join('\n');
}

export interface DlqRedriveOptions {
  readonly dlq: string;
  /** The queue to move messages to (name, URL or ARN). @default the DLQ's only source queue */
  readonly to?: string;
}

/** `stepsaga dlq redrive <dlq> [--to <source>]`: moves dead letters back to their source queue. */
export async function dlqRedrive(
  sqs: SQSClient,
  options: DlqRedriveOptions,
): Promise<{ dlq: DeadLetterQueue; sourceUrl: string; result: RedriveResult }> {
  const dlq = findDeadLetterQueue(await listDeadLetterQueues(sqs), options.dlq);
  let sourceUrl: string;
  if (options.to) {
    const to = options.to;
    const candidates = await listQueueUrls(sqs);
    const byArn = to.startsWith('arn:') ? to.slice(to.lastIndexOf(':') + 1) : undefined;
    const found = candidates.filter((url) => url === to || queueName(url) === (byArn ?? to));
    if (found.length !== 1 || !found[0]) {
      throw new CliUsageError(
        `--to "${to}" matches ${found.length} queues; pass the exact name, URL or ARN of the queue to redrive into.`,
      );
    }
    sourceUrl = found[0];
  } else if (dlq.sources.length === 1 && dlq.sources[0]) {
    sourceUrl = dlq.sources[0];
  } else {
    throw new CliUsageError(
      `Dead-letter queue ${dlq.name} has ${dlq.sources.length} source queues (${dlq.sources.map(queueName).join(', ')}); choose one with --to <queue>.`,
    );
  }
  const result = await redriveDeadLetters({ dlqUrl: dlq.url, sourceUrl, sqs });
  return { dlq, sourceUrl, result };
}

export function describeRedrive(outcome: Awaited<ReturnType<typeof dlqRedrive>>): string {
  const { dlq, sourceUrl, result } = outcome;
  return result.mode === 'message-move-task'
    ? `Started a message move task from ${dlq.name} to ${queueName(sourceUrl)} (task ${result.taskHandle}); SQS moves the ${dlq.depth} message(s) asynchronously.`
    : `Moved ${result.moved} message(s) from ${dlq.name} back to ${queueName(sourceUrl)}.`;
}
