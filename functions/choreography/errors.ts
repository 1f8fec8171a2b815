/** Errors of the choreography library. Each sets `name` so that failure reasons stay greppable. */
import { StepsagaError } from '../shared/stepsaga-error.js';

/** A required environment variable is missing or malformed; the construct sets them. */
export class ChoreographyConfigError extends StepsagaError {
  override readonly name = 'ChoreographyConfigError';
}

/** The message is not an outbox envelope, so no reaction can be chosen for it. */
export class ChoreographyEventInvalidError extends StepsagaError {
  override readonly name = 'ChoreographyEventInvalidError';
}

/** A passing failure while recording a refusal (conflict, throttling); the message is retried. */
export class ChoreographyTransientError extends StepsagaError {
  override readonly name = 'ChoreographyTransientError';
}
