import type { SQSClient } from '@aws-sdk/client-sqs';
import { sendInBatches } from '../shared/sqs-batch-send.js';
import { messageGroupOf, toEnvelope, toMessageAttributes } from './envelope.js';
import { OutboxSendError } from './errors.js';
import type { OutboxItem } from './outbox-item.js';

export { MAX_ENTRIES_PER_BATCH } from '../shared/sqs-batch-send.js';

export interface OutboxEntry {
  /** Identifies the source record in the batch response (the stream record's sequence number). */
  readonly recordId: string;
  readonly item: OutboxItem;
}

export interface SendBatchesOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** FIFO queue: set group and deduplication ids and keep each group's order (see below). */
  readonly fifo: boolean;
}

/**
 * Sends outbox events to SQS in batches of at most ten and returns the failures by record id.
 * On a FIFO queue the event id is the deduplication id and no event overtakes an earlier failed one
 * of its group (see {@link sendInBatches}).
 */
export function sendOutboxEntries(
  entries: readonly OutboxEntry[],
  options: SendBatchesOptions,
): Promise<Map<string, Error>> {
  return sendInBatches(entries, {
    ...options,
    recordIdOf: (entry) => entry.recordId,
    groupOf: (entry) => messageGroupOf(entry.item),
    toEntry: (entry) => ({
      MessageBody: JSON.stringify(toEnvelope(entry.item)),
      MessageAttributes: toMessageAttributes(entry.item),
      ...(options.fifo
        ? { MessageGroupId: messageGroupOf(entry.item), MessageDeduplicationId: entry.item.eventId }
        : {}),
    }),
    errors: {
      refused: ({ item }, reason) =>
        new OutboxSendError(
          `SQS refused outbox event ${item.eventId} (${item.eventType}): ${reason.Code}: ${reason.Message ?? 'no message'}`,
        ),
      unreported: ({ item }) =>
        new OutboxSendError(
          `SQS did not report outbox event ${item.eventId} as sent or failed; it will be retried.`,
        ),
      callFailed: ({ item }, detail) =>
        new OutboxSendError(`Sending outbox event ${item.eventId} to ${options.queueUrl} failed: ${detail}`),
      heldBack: ({ item }) =>
        new OutboxSendError(
          `Outbox event ${item.eventId} was not sent: an earlier event in this batch failed, and ` +
            'sending this one first would break the FIFO order; the stream delivers it again.',
        ),
    },
  });
}
