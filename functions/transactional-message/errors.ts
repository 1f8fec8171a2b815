/**
 * Errors of transactional messages. Each sets `name` so that producers can branch on it and logs
 * stay greppable.
 */
import { StepsagaError } from '../shared/stepsaga-error.js';

/** A function or client was started without the configuration it needs, or with a malformed value. */
export class TransactionalMessageConfigError extends StepsagaError {
  override readonly name = 'TransactionalMessageConfigError';
}

/** `prepare` was called with a message that cannot be stored or delivered (empty type, payload too big). */
export class TransactionalMessageInvalidError extends StepsagaError {
  override readonly name = 'TransactionalMessageInvalidError';
}

/** `commit`, `rollback` or `getStatus` named a message id that was never prepared (or has expired). */
export class TransactionalMessageNotFoundError extends StepsagaError {
  override readonly name = 'TransactionalMessageNotFoundError';
}

/**
 * The message is already resolved the other way: commit after rollback, rollback after commit, or
 * either after the message was dead-lettered. Retrying cannot help.
 */
export class TransactionalMessageStateError extends StepsagaError {
  override readonly name = 'TransactionalMessageStateError';
}

/** `prepare` reused a message id that holds a different message. */
export class TransactionalMessageIdConflictError extends StepsagaError {
  override readonly name = 'TransactionalMessageIdConflictError';
}

/** SQS refused a committed or dead-lettered message; the stream delivers the record again. */
export class TransactionalMessageSendError extends StepsagaError {
  override readonly name = 'TransactionalMessageSendError';
}
