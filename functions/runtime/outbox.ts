import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { monotonicFactory } from 'ulid';
import type { BarrierScope } from './barrier.js';
import { expiresAt } from './barrier.js';
import { outboxKey, TTL_ATTRIBUTE } from './keys.js';

/** The `itemType` of outbox items in a participant table. */
export const OUTBOX_ITEM_TYPE = 'outbox';

/** Monotonic so that events emitted by one handler sort in emission order. */
const nextUlid = monotonicFactory();

export function newEventId(now: Date): string {
  return nextUlid(now.getTime());
}

export interface OutboxEvent {
  readonly eventId: string;
  readonly eventType: string;
  /** The payload as JSON. */
  readonly payload: string;
  /** Ordering key for FIFO destinations (becomes the SQS MessageGroupId). */
  readonly groupId?: string;
}

/** The stored shape of an outbox item; the stream relay reads these attributes. */
export interface OutboxRecord extends OutboxEvent {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: typeof OUTBOX_ITEM_TYPE;
  readonly sagaId: string;
  readonly sagaName: string;
  readonly step: string;
  readonly createdAt: string;
  readonly expiresAt: number;
}

export function outboxItem(
  scope: BarrierScope,
  event: OutboxEvent,
  now: Date,
  retentionDays: number,
): Record<string, AttributeValue> {
  const record: OutboxRecord = {
    ...outboxKey(event.eventId),
    itemType: OUTBOX_ITEM_TYPE,
    eventId: event.eventId,
    eventType: event.eventType,
    payload: event.payload,
    sagaId: scope.sagaId,
    sagaName: scope.sagaName,
    step: scope.step,
    ...(event.groupId === undefined ? {} : { groupId: event.groupId }),
    createdAt: now.toISOString(),
    [TTL_ATTRIBUTE]: expiresAt(now, retentionDays),
  };
  return marshall(record);
}
