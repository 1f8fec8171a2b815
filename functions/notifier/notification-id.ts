import type { SQSRecord } from 'aws-lambda';

/** Message attribute that names a notification; {@link publishNotification} sets it. */
export const NOTIFICATION_ID_ATTRIBUTE = 'notificationId';

/**
 * The id a notification's status is kept under: the `notificationId` message attribute, else the
 * `eventId` of an outbox envelope (so the relay's queue can feed a channel directly), else the
 * SQS message id.
 */
export function notificationIdOf(record: SQSRecord): string {
  const fromAttribute = record.messageAttributes?.[NOTIFICATION_ID_ATTRIBUTE]?.stringValue;
  if (fromAttribute) return fromAttribute;
  try {
    const body = JSON.parse(record.body) as { eventId?: unknown };
    if (typeof body?.eventId === 'string' && body.eventId) return body.eventId;
  } catch {
    // Not JSON: fall through to the message id.
  }
  return record.messageId;
}
