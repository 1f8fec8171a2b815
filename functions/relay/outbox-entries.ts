import type { DynamoDBRecord } from 'aws-lambda';
import { streamRecordId } from '../shared/stream-batch-response.js';
import { OUTBOX_ITEM_TYPE, parseOutboxImage } from './outbox-item.js';
import type { OutboxEntry } from './send-batches.js';

function isOutboxInsert(record: DynamoDBRecord): boolean {
  return record.eventName === 'INSERT' && record.dynamodb?.NewImage?.itemType?.S === OUTBOX_ITEM_TYPE;
}

/**
 * The outbox inserts of a stream batch, parsed, in stream order. A record that does not parse is
 * recorded in `failures` under its sequence number instead.
 */
export function outboxEntriesOf(
  records: readonly DynamoDBRecord[],
  failures: Map<string, Error>,
): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const record of records) {
    // The event source filter already drops other records; this guard keeps an unfiltered
    // mapping (or a hand-made event) from relaying barrier and business items.
    if (!isOutboxInsert(record)) continue;
    try {
      entries.push({ recordId: streamRecordId(record), item: parseOutboxImage(record.dynamodb?.NewImage) });
    } catch (error) {
      failures.set(streamRecordId(record), error as Error);
    }
  }
  return entries;
}
