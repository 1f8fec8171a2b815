import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { OutboxItem } from './outbox-item.js';

/**
 * The body of every message the relay sends: the event plus where it came from.
 *
 * An envelope rather than the bare payload, because consumers need `eventId` to apply an event at
 * most once (the inbox records it) and `sagaId` to correlate it, whatever the payload's shape.
 */
export interface OutboxEnvelope<P = unknown> {
  readonly eventId: string;
  readonly eventType: string;
  readonly sagaId: string;
  readonly sagaName: string;
  readonly step: string;
  readonly createdAt: string | number;
  readonly payload: P;
}

/** Message attribute names the relay sets, so that subscribers can filter without parsing bodies. */
export const OutboxMessageAttributes = {
  eventType: 'eventType',
  sagaId: 'sagaId',
  eventId: 'eventId',
} as const;

export function toEnvelope(item: OutboxItem): OutboxEnvelope {
  return {
    eventId: item.eventId,
    eventType: item.eventType,
    sagaId: item.sagaId,
    sagaName: item.sagaName,
    step: item.step,
    createdAt: item.createdAt,
    payload: JSON.parse(item.payload) as unknown,
  };
}

export function toMessageAttributes(item: OutboxItem): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  return {
    [OutboxMessageAttributes.eventType]: text(item.eventType),
    [OutboxMessageAttributes.sagaId]: text(item.sagaId),
    [OutboxMessageAttributes.eventId]: text(item.eventId),
  };
}

/** FIFO ordering scope: the item's explicit group, else its saga, so one saga's events stay in order. */
export function messageGroupOf(item: OutboxItem): string {
  return item.groupId ?? item.sagaId;
}
