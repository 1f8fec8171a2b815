/**
 * Errors of the outbox relay. Each sets `name` so that logs and batch failure reasons stay greppable.
 */

/** The relay function was started without the configuration it needs. */
export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError';
}

/** A stream record carries an outbox item that does not match the layout in docs/architecture.md. */
export class OutboxItemInvalidError extends Error {
  override readonly name = 'OutboxItemInvalidError';
}

/** SQS refused one outbox event (per-entry failure of SendMessageBatch, or the whole call failed). */
export class OutboxSendError extends Error {
  override readonly name = 'OutboxSendError';
}
