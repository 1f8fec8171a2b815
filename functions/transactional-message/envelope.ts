import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { OutboxEnvelope } from '../relay/envelope.js';
import type { MessageItem } from './message-item.js';

/**
 * The body of a delivered message. It is an outbox envelope (so that the consumer inbox in
 * functions/inbox applies it once, keyed by `eventId` = the message id) plus the transactional
 * fields: `sagaId` carries the producer's transaction id and `sagaName` the producer's name.
 */
export interface TransactionalMessageEnvelope<P = unknown> extends OutboxEnvelope<P> {
  readonly messageId: string;
  readonly transactionId: string;
  readonly resolvedBy: string;
  readonly resolvedAt: string;
}

/** The body of a dead-lettered message: the envelope plus why nobody could resolve it. */
export interface DeadLetterEnvelope<P = unknown> extends TransactionalMessageEnvelope<P> {
  readonly deadLetterReason: string;
  readonly checks: number;
  readonly lastCheckError?: string;
}

export const TransactionalMessageAttributes = {
  messageId: 'messageId',
  messageType: 'messageType',
  eventId: 'eventId',
  eventType: 'eventType',
} as const;

/** The `step` of every envelope, so consumers that route on it can tell these from saga events. */
export const TRANSACTIONAL_MESSAGE_STEP = 'TransactionalMessage';

export function toEnvelope(item: MessageItem, producerName: string): TransactionalMessageEnvelope {
  return {
    eventId: item.messageId,
    eventType: item.messageType,
    sagaId: item.transactionId,
    sagaName: producerName,
    step: TRANSACTIONAL_MESSAGE_STEP,
    createdAt: item.preparedAt,
    payload: JSON.parse(item.payload) as unknown,
    messageId: item.messageId,
    transactionId: item.transactionId,
    resolvedBy: item.resolvedBy ?? 'producer',
    resolvedAt: item.resolvedAt ?? item.preparedAt,
  };
}

export function toDeadLetterEnvelope(item: MessageItem, producerName: string): DeadLetterEnvelope {
  return {
    ...toEnvelope(item, producerName),
    deadLetterReason: item.deadLetterReason ?? 'unknown',
    checks: item.checks,
    ...(item.lastCheckError ? { lastCheckError: item.lastCheckError } : {}),
  };
}

export function toMessageAttributes(item: MessageItem): Record<string, MessageAttributeValue> {
  const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });
  return {
    [TransactionalMessageAttributes.messageId]: text(item.messageId),
    [TransactionalMessageAttributes.messageType]: text(item.messageType),
    // The relay's attribute names too, so that one subscription filter fits both kinds of event.
    [TransactionalMessageAttributes.eventId]: text(item.messageId),
    [TransactionalMessageAttributes.eventType]: text(item.messageType),
  };
}

/** FIFO ordering scope: the message's group, else the message itself (no ordering between messages). */
export function messageGroupOf(item: MessageItem): string {
  return item.groupId ?? item.messageId;
}
