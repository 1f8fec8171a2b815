import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { messageGroupOf, toEnvelope, toMessageAttributes } from './envelope.js';
import { OutboxSendError } from './errors.js';
import type { OutboxItem } from './outbox-item.js';

/** SendMessageBatch accepts at most ten entries per call. */
export const MAX_ENTRIES_PER_BATCH = 10;

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
 *
 * Standard queue: every chunk is sent, concurrently, and exactly the entries SQS refused fail.
 * FIFO queue: chunks go out one after another and no chunk holds two events of one message group,
 * so a refused event can never be overtaken by a later event of its group inside the same call;
 * after a chunk with a failure nothing more is sent, because the stream retries from the first
 * failed record anyway and sending later events now would put them ahead of it.
 */
export async function sendOutboxEntries(
  entries: readonly OutboxEntry[],
  options: SendBatchesOptions,
): Promise<Map<string, Error>> {
  const failures = new Map<string, Error>();
  const chunks = chunkEntries(entries, options.fifo);
  if (!options.fifo) {
    await Promise.all(chunks.map((chunk) => sendChunk(chunk, options, failures)));
    return failures;
  }
  for (const [index, chunk] of chunks.entries()) {
    await sendChunk(chunk, options, failures);
    if (failures.size > 0) {
      for (const later of chunks.slice(index + 1).flat()) {
        failures.set(
          later.recordId,
          new OutboxSendError(
            `Outbox event ${later.item.eventId} was not sent: an earlier event in this batch failed, and ` +
              'sending this one first would break the FIFO order; the stream delivers it again.',
          ),
        );
      }
      break;
    }
  }
  return failures;
}

function chunkEntries(entries: readonly OutboxEntry[], fifo: boolean): OutboxEntry[][] {
  const chunks: OutboxEntry[][] = [];
  let current: OutboxEntry[] = [];
  let groups = new Set<string>();
  for (const entry of entries) {
    const group = messageGroupOf(entry.item);
    if (current.length === MAX_ENTRIES_PER_BATCH || (fifo && groups.has(group))) {
      chunks.push(current);
      current = [];
      groups = new Set();
    }
    current.push(entry);
    groups.add(group);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function toRequestEntry(entry: OutboxEntry, index: number, fifo: boolean): SendMessageBatchRequestEntry {
  return {
    Id: `e${index}`,
    MessageBody: JSON.stringify(toEnvelope(entry.item)),
    MessageAttributes: toMessageAttributes(entry.item),
    ...(fifo
      ? { MessageGroupId: messageGroupOf(entry.item), MessageDeduplicationId: entry.item.eventId }
      : {}),
  };
}

async function sendChunk(
  chunk: readonly OutboxEntry[],
  options: SendBatchesOptions,
  failures: Map<string, Error>,
): Promise<void> {
  const requestEntries = chunk.map((entry, index) => toRequestEntry(entry, index, options.fifo));
  try {
    const response = await options.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: requestEntries }),
    );
    const sent = new Set((response.Successful ?? []).map((result) => result.Id));
    const refused = new Map((response.Failed ?? []).map((result) => [result.Id, result]));
    chunk.forEach((entry, index) => {
      const id = `e${index}`;
      if (sent.has(id)) return;
      const reason = refused.get(id);
      failures.set(
        entry.recordId,
        new OutboxSendError(
          reason
            ? `SQS refused outbox event ${entry.item.eventId} (${entry.item.eventType}): ${reason.Code}: ${reason.Message ?? 'no message'}`
            : `SQS did not report outbox event ${entry.item.eventId} as sent or failed; it will be retried.`,
        ),
      );
    });
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    for (const entry of chunk) {
      failures.set(
        entry.recordId,
        new OutboxSendError(
          `Sending outbox event ${entry.item.eventId} to ${options.queueUrl} failed: ${message}`,
        ),
      );
    }
  }
}
