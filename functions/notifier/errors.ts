/**
 * Errors of the notification channel. Each sets `name` so that logs and status records stay greppable.
 */

/** The notifier was started without the configuration it needs, or with a malformed value. */
export class NotifierConfigError extends Error {
  override readonly name = 'NotifierConfigError';
}

/** One delivery attempt failed; the message is retried after its backoff, then dead-lettered. */
export class DeliveryError extends Error {
  override readonly name = 'NotificationDeliveryError';
}

/** Moving messages out of a dead-letter queue failed. */
export class RedriveError extends Error {
  override readonly name = 'NotificationRedriveError';
}
