/** Base of the errors the operator API (parked sagas, redrive) raises; `name` says which. */
export class OperatorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'OperatorError';
  }
}

/** No parked message names the saga id or execution ARN asked for. */
export class ParkedSagaNotFoundError extends OperatorError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ParkedSagaNotFound';
  }
}

/** The parked execution no longer waits for a decision (decided, timed out, stopped or Express). */
export class ParkedSagaNotWaitingError extends OperatorError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ParkedSagaNotWaiting';
  }
}

/** A decision other than retry, skip or abandon. */
export class InvalidDecisionError extends OperatorError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidDecision';
  }
}
