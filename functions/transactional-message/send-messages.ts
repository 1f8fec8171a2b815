import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { TransactionalMessageSendError } from './errors.js';

/** SendMessageBatch accepts at most ten entries per call. */
const MAX_ENTRIES_PER_BATCH = 10;

export interface OutgoingMessage {
  /** Identifies the source stream record in the batch response. */
  readonly recordId: string;
  readonly messageId: string;
  readonly body: string;
  readonly attributes: SendMessageBatchRequestEntry['MessageAttributes'];
  /** Set on FIFO queues. */
  readonly groupId?: string;
}

/**
 * Sends messages to one queue in batches of ten and returns the failures by record id.
 *
 * FIFO: `MessageDeduplicationId` = the message id, so a record the stream delivers again within five
 * minutes is dropped by SQS; chunks go out in stream order, no chunk holds two messages of one group,
 * and after a failed chunk nothing more is sent (a later message must not overtake a failed one).
 */
export async function sendMessages(
  sqs: SQSClient,
  queueUrl: string,
  fifo: boolean,
  messages: readonly OutgoingMessage[],
): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  const chunks: OutgoingMessage[][] = [];
  let current: OutgoingMessage[] = [];
  let groups = new Set<string>();
  for (const message of messages) {
    const group = message.groupId ?? '';
    if (current.length === MAX_ENTRIES_PER_BATCH || (fifo && groups.has(group))) {
      chunks.push(current);
      current = [];
      groups = new Set();
    }
    current.push(message);
    groups.add(group);
  }
  if (current.length > 0) chunks.push(current);

  const sendChunk = async (chunk: readonly OutgoingMessage[]) => {
    const entries: SendMessageBatchRequestEntry[] = chunk.map((message, index) => ({
      Id: `m${index}`,
      MessageBody: message.body,
      MessageAttributes: message.attributes,
      ...(fifo ? { MessageGroupId: message.groupId, MessageDeduplicationId: message.messageId } : {}),
    }));
    try {
      const response = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      const sent = new Set((response.Successful ?? []).map((result) => result.Id));
      const refused = new Map((response.Failed ?? []).map((result) => [result.Id, result]));
      chunk.forEach((message, index) => {
        if (sent.has(`m${index}`)) return;
        const reason = refused.get(`m${index}`);
        failures.set(
          message.recordId,
          new TransactionalMessageSendError(
            reason
              ? `SQS refused message ${message.messageId} for ${queueUrl}: ${reason.Code}: ${reason.Message ?? 'no message'}`
              : `SQS did not report message ${message.messageId} as sent or failed; it will be retried.`,
          ),
        );
      });
    } catch (error) {
      const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      for (const message of chunk) {
        failures.set(
          message.recordId,
          new TransactionalMessageSendError(
            `Sending message ${message.messageId} to ${queueUrl} failed: ${detail}`,
          ),
        );
      }
    }
  };

  if (!fifo) {
    await Promise.all(chunks.map(sendChunk));
    return failures;
  }
  for (const [index, chunk] of chunks.entries()) {
    await sendChunk(chunk);
    if (failures.size === 0) continue;
    for (const later of chunks.slice(index + 1).flat()) {
      failures.set(
        later.recordId,
        new TransactionalMessageSendError(
          `Message ${later.messageId} was not sent: an earlier message in this batch failed and FIFO order must hold; the stream delivers it again.`,
        ),
      );
    }
    break;
  }
  return failures;
}
