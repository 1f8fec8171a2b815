/**
 * Errors of the notification channel. Each sets `name` so that logs and status records stay greppable.
 */
import { StepsagaError } from '../shared/stepsaga-error.js';

/** The notifier was started without the configuration it needs, or with a malformed value. */
export class NotifierConfigError extends StepsagaError {
  override readonly name = 'NotifierConfigError';
}

/** One delivery attempt failed; the message is retried after its backoff, then dead-lettered. */
export class DeliveryError extends StepsagaError {
  override readonly name = 'NotificationDeliveryError';
}

/** Moving messages out of a dead-letter queue failed. */
export class RedriveError extends StepsagaError {
  override readonly name = 'NotificationRedriveError';
}
