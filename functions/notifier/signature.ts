import { createHmac, timingSafeEqual } from 'node:crypto';

/** Headers the notifier sets on every webhook request. */
export const WebhookHeaders = {
  notificationId: 'x-stepsaga-notification-id',
  attempt: 'x-stepsaga-attempt',
  timestamp: 'x-stepsaga-timestamp',
  /** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, when the channel has a signing secret. */
  signature: 'x-stepsaga-signature',
} as const;

/**
 * Signs a webhook body. The timestamp is part of the signed text so that a receiver can refuse
 * replays older than it tolerates.
 */
export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** For webhook receivers: checks a signature header in constant time. */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
