/** Errors of the choreography library. Each sets `name` so that failure reasons stay greppable. */

/** A required environment variable is missing or malformed; the construct sets them. */
export class ChoreographyConfigError extends Error {
  override readonly name = 'ChoreographyConfigError';
}

/** The message is not an outbox envelope, so no reaction can be chosen for it. */
export class ChoreographyEventInvalidError extends Error {
  override readonly name = 'ChoreographyEventInvalidError';
}

/** A passing failure while recording a refusal (conflict, throttling); the message is retried. */
export class ChoreographyTransientError extends Error {
  override readonly name = 'ChoreographyTransientError';
}
