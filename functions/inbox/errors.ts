/** Errors of the consumer inbox. Each sets `name` so that failure reasons stay greppable. */
import { StepsagaError } from '../shared/stepsaga-error.js';

/** The message is not an outbox envelope (no `eventId`), so it cannot be applied at most once. */
export class InboxMessageInvalidError extends StepsagaError {
  override readonly name = 'InboxMessageInvalidError';
}

/** A condition of the consumer's own writes failed; nothing was written and the message is retried. */
export class InboxConditionError extends StepsagaError {
  override readonly name = 'InboxConditionError';
}

/** A passing failure (conflict, throttling); the message is retried. */
export class InboxTransientError extends StepsagaError {
  override readonly name = 'InboxTransientError';
}

/** The staged writes break a DynamoDB transaction limit; retrying cannot help. */
export class InboxLimitError extends StepsagaError {
  override readonly name = 'InboxLimitError';
}
