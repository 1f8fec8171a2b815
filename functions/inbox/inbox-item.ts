import type { OutboxEnvelope } from '../relay/envelope.js';
import { type TableKey, TTL_ATTRIBUTE } from '../runtime/index.js';

export const INBOX_PREFIX = 'INBOX#';
export const INBOX_SORT_KEY = 'INBOX';
export const INBOX_ITEM_TYPE = 'inbox';

/** The record that an event was applied, in the consumer's own table (participant key layout). */
export function inboxKey(eventId: string): TableKey {
  return { pk: `${INBOX_PREFIX}${eventId}`, sk: INBOX_SORT_KEY };
}

export function inboxItem(
  envelope: OutboxEnvelope,
  now: Date,
  retentionDays: number,
): Record<string, unknown> {
  return {
    ...inboxKey(envelope.eventId),
    itemType: INBOX_ITEM_TYPE,
    eventId: envelope.eventId,
    eventType: envelope.eventType,
    sagaId: envelope.sagaId,
    appliedAt: now.toISOString(),
    [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + retentionDays * 86_400,
  };
}
