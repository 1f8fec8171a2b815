/**
 * Errors of the outbox relay. Each sets `name` so that logs and batch failure reasons stay greppable.
 */
import { StepsagaError } from '../shared/stepsaga-error.js';

/** The relay function was started without the configuration it needs. */
export class RelayConfigError extends StepsagaError {
  override readonly name = 'RelayConfigError';
}

/** A stream record carries an outbox item that does not match the layout in docs/architecture.md. */
export class OutboxItemInvalidError extends StepsagaError {
  override readonly name = 'OutboxItemInvalidError';
}

/** SQS refused one outbox event (per-entry failure of SendMessageBatch, or the whole call failed). */
export class OutboxSendError extends StepsagaError {
  override readonly name = 'OutboxSendError';
}
