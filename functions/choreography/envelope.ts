import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutboxEnvelope } from '../relay/envelope.js';
import { ChoreographyEventInvalidError } from './errors.js';

const REQUIRED = ['eventId', 'eventType', 'sagaId', 'sagaName'] as const;

/** Reads the outbox envelope (docs/events.md) an SQS message carries. */
export function parseEnvelope(record: SQSRecord): OutboxEnvelope {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new ChoreographyEventInvalidError(
      `Message ${record.messageId} is not JSON, so it is not an outbox envelope: ${record.body.slice(0, 200)}`,
    );
  }
  const envelope = (body ?? {}) as Record<string, unknown>;
  const missing = REQUIRED.filter((field) => typeof envelope[field] !== 'string' || envelope[field] === '');
  if (missing.length > 0) {
    throw new ChoreographyEventInvalidError(
      `Message ${record.messageId} is not an outbox envelope: ${missing.join(', ')} missing. Choreography queues carry events the router relays from participants' outboxes.`,
    );
  }
  return envelope as unknown as OutboxEnvelope;
}

/** Whether a Lambda event is an SQS batch (as opposed to a direct invocation). */
export function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return (
    Array.isArray(records) &&
    records.length > 0 &&
    (records[0] as { eventSource?: unknown }).eventSource === 'aws:sqs'
  );
}

/** An envelope's `createdAt` (ISO string or epoch) as an ISO string. */
export function eventTime(envelope: OutboxEnvelope): string {
  const value = envelope.createdAt;
  const date = typeof value === 'number' ? new Date(value) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString();
}
