import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { RedriveError } from './errors.js';

/** Options of `redriveDeadLetters`. */
export interface RedriveOptions {
  /** The dead-letter queue to empty. */
  readonly dlqUrl: string;
  /** The queue the messages go back to (the channel's queue). */
  readonly sourceUrl: string;
  /** @default a client whose endpoint comes from `AWS_ENDPOINT_URL` */
  readonly sqs?: SQSClient;
  /** Cap for the copy fallback, so that a DLQ that keeps filling cannot loop forever. @default 10_000 */
  readonly maxMessages?: number;
}

/** How `redriveDeadLetters` moved the messages back. */
export type RedriveResult =
  /** SQS moves the messages itself, asynchronously; follow it with ListMessageMoveTasks. */
  | { readonly mode: 'message-move-task'; readonly taskHandle: string }
  /** The endpoint has no message move tasks; the messages were copied back and deleted. */
  | { readonly mode: 'copy'; readonly moved: number };

/** Errors by which an endpoint says it does not implement an action (LocalStack, fauxqs, older emulators). */
const NOT_IMPLEMENTED = /unknown action|not implemented|not supported|unknownoperation|invalidaction/i;

function notImplemented(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return NOT_IMPLEMENTED.test(`${error.name} ${error.message}`) || status === 501;
}

async function queueArnOf(sqs: SQSClient, queueUrl: string): Promise<string> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  if (!Attributes?.QueueArn) throw new RedriveError(`Queue ${queueUrl} reported no QueueArn.`);
  return Attributes.QueueArn;
}

function copyEntry(message: Message, index: number, fifo: boolean): SendMessageBatchRequestEntry {
  const attributes = message.Attributes ?? {};
  return {
    Id: `m${index}`,
    MessageBody: message.Body ?? '',
    ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
      ? { MessageAttributes: message.MessageAttributes }
      : {}),
    ...(fifo
      ? {
          MessageGroupId: attributes.MessageGroupId ?? 'redrive',
          // The original id may still be inside the 5-minute deduplication window of the source
          // queue, where SQS would silently drop the copy.
          MessageDeduplicationId: `${attributes.MessageDeduplicationId ?? message.MessageId ?? ''}`
            .slice(0, 100)
            .concat(`-r${Date.now().toString(36)}`),
        }
      : {}),
  };
}

async function copyBack(sqs: SQSClient, options: RedriveOptions): Promise<number> {
  const fifo = options.sourceUrl.endsWith('.fifo');
  const limit = options.maxMessages ?? 10_000;
  let moved = 0;
  while (moved < limit) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.dlqUrl,
        MaxNumberOfMessages: Math.min(10, limit - moved),
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
      }),
    );
    if (Messages.length === 0) break;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: options.sourceUrl,
        Entries: Messages.map((message, index) => copyEntry(message, index, fifo)),
      }),
    );
    const sentIds = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    // Only copies that reached the source queue are removed from the DLQ; the rest stay for a retry.
    const done = Messages.filter((_, index) => sentIds.has(`m${index}`));
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.dlqUrl,
          Entries: done.map((message, index) => ({ Id: `d${index}`, ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    moved += done.length;
    if (sent.Failed && sent.Failed.length > 0) {
      const first = sent.Failed[0]!;
      throw new RedriveError(
        `Redrive from ${options.dlqUrl} to ${options.sourceUrl} stopped after ${moved} messages: SQS refused a copy (${first.Code}: ${first.Message ?? 'no message'}). The refused messages stay in the dead-letter queue.`,
      );
    }
  }
  return moved;
}

/**
 * Moves dead-lettered notifications back to their queue, where the notifier tries them again.
 *
 * Uses SQS's StartMessageMoveTask; endpoints that do not implement it (local emulators) get a
 * receive → send → delete copy instead, which deletes a message from the DLQ only after its copy
 * was accepted.
 */
export async function redriveDeadLetters(options: RedriveOptions): Promise<RedriveResult> {
  const sqs = options.sqs ?? new SQSClient({});
  const [sourceArn, destinationArn] = await Promise.all([
    queueArnOf(sqs, options.dlqUrl),
    queueArnOf(sqs, options.sourceUrl),
  ]);
  try {
    const { TaskHandle } = await sqs.send(
      new StartMessageMoveTaskCommand({ SourceArn: sourceArn, DestinationArn: destinationArn }),
    );
    return { mode: 'message-move-task', taskHandle: TaskHandle ?? '' };
  } catch (error) {
    if (!notImplemented(error)) throw error;
  }
  return { mode: 'copy', moved: await copyBack(sqs, options) };
}
