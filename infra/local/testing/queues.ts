import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../types.js';

/** A message received by {@link receiveMessages}. */
export interface ReceivedMessage {
  /** The body parsed as JSON when it is JSON, else the raw string. */
  readonly body: unknown;
  readonly rawBody: string;
  readonly messageId: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Options of {@link receiveMessages}. */
export interface ReceiveMessagesOptions {
  /** Stop after this many messages. @default 10 */
  readonly max?: number;
  /** How long to wait for the first message. @default 1 second */
  readonly waitSeconds?: number;
  /**
   * Delete what was received, receiving until `max` or an empty receive. Off, one receive (at most
   * 10 messages) whose messages become visible again after `visibilitySeconds`: a peek.
   * @default false
   */
  readonly delete?: boolean;
  /** Visibility timeout of a peek. @default 0 (visible again at once) */
  readonly visibilitySeconds?: number;
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

/**
 * Receives messages from a queue (by name, construct path such as `PlaceOrder/ParkedQueue`, logical
 * id, ARN or URL). A peek by default: nothing is deleted unless `delete` is set.
 */
export async function receiveMessages(
  cloud: LocalCloud,
  queue: string,
  options: ReceiveMessagesOptions = {},
): Promise<ReceivedMessage[]> {
  const { url } = cloud.resources.find(queue, 'queue');
  const max = options.max ?? 10;
  const client = new SQSClient({
    endpoint: cloud.sqsEndpoint,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const received: ReceivedMessage[] = [];
    let wait = options.waitSeconds ?? 1;
    while (received.length < max) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max - received.length),
          WaitTimeSeconds: wait,
          VisibilityTimeout: options.delete ? 30 : (options.visibilitySeconds ?? 0),
          MessageSystemAttributeNames: ['All'],
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      received.push(
        ...messages.map((m) => ({
          body: parse(m.Body ?? ''),
          rawBody: m.Body ?? '',
          messageId: m.MessageId ?? '',
          attributes: (m.Attributes ?? {}) as Record<string, string>,
        })),
      );
      // A peek receives once: the messages it saw may already be visible again.
      if (!options.delete) break;
      await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
      wait = 0;
    }
    return received;
  } finally {
    client.destroy();
  }
}
