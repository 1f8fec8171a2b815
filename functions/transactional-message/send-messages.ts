import type { SendMessageBatchRequestEntry, SQSClient } from '@aws-sdk/client-sqs';
import { sendInBatches } from '../shared/sqs-batch-send.js';
import { TransactionalMessageSendError } from './errors.js';

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
export function sendMessages(
  sqs: SQSClient,
  queueUrl: string,
  fifo: boolean,
  messages: readonly OutgoingMessage[],
): Promise<Map<string, Error>> {
  return sendInBatches(messages, {
    sqs,
    queueUrl,
    fifo,
    recordIdOf: (message) => message.recordId,
    groupOf: (message) => message.groupId ?? '',
    toEntry: (message) => ({
      MessageBody: message.body,
      MessageAttributes: message.attributes,
      ...(fifo ? { MessageGroupId: message.groupId, MessageDeduplicationId: message.messageId } : {}),
    }),
    errors: {
      refused: (message, reason) =>
        new TransactionalMessageSendError(
          `SQS refused message ${message.messageId} for ${queueUrl}: ${reason.Code}: ${reason.Message ?? 'no message'}`,
        ),
      unreported: (message) =>
        new TransactionalMessageSendError(
          `SQS did not report message ${message.messageId} as sent or failed; it will be retried.`,
        ),
      callFailed: (message, detail) =>
        new TransactionalMessageSendError(
          `Sending message ${message.messageId} to ${queueUrl} failed: ${detail}`,
        ),
      heldBack: (message) =>
        new TransactionalMessageSendError(
          `Message ${message.messageId} was not sent: an earlier message in this batch failed and FIFO order must hold; the stream delivers it again.`,
        ),
    },
  });
}
