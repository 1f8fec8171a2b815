/**
 * Errors thrown by participants and recognised by the state machines the `Saga` construct generates.
 *
 * Step Functions matches Catch and Retry clauses on the Lambda `errorType`, which the Node.js Lambda
 * runtime takes from `error.name`. Every class therefore sets `name` explicitly, and the names are
 * exported as constants so that the construct and the runtime cannot drift apart.
 */
import { StepsagaError } from '../shared/stepsaga-error.js';

export const ErrorNames = {
  /** A business rule refused the step (insufficient stock, declined card): compensate, never retry. */
  business: 'SagaBusinessError',
  /** A passing failure (conflict, throttling, a dependency hiccup): retry per the step's policy. */
  transient: 'SagaTransientError',
  /** The forward phase arrived after its compensation/cancel (a "hanging" action): refused for good. */
  actionRefused: 'SagaActionRefused',
  /** The request or a handler's staged writes break a DynamoDB transaction limit; retrying cannot help. */
  limitExceeded: 'SagaTransactionLimitExceeded',
  /**
   * The phase already committed for this saga instance and step, from a request with another
   * input: refused for good instead of answering with a result that belongs to another request.
   */
  requestMismatch: 'SagaRequestMismatch',
  /** The request did not match the participant's contract or input schema. */
  invalidRequest: 'SagaInvalidRequest',
  /** Terminal error of an execution whose completed steps were all compensated. */
  compensated: 'SagaCompensated',
  /** Terminal error of a TCC transaction whose participants were all cancelled after a failed Try. */
  cancelled: 'SagaCancelled',
  /** Terminal error of an execution that could not finish or compensate; an operator must act. */
  parked: 'SagaParked',
  /**
   * The execution input failed the saga's input schema, is not a JSON object, or is over the saga's
   * input budget; nothing committed. Also the terminal error of such an execution.
   */
  inputInvalid: 'SagaInputInvalid',
  /**
   * A forward phase's result is over the step's share of the saga state (256 KiB in all); refused
   * before anything committed, so the saga compensates as for a business error.
   */
  resultTooLarge: 'SagaResultTooLarge',
} as const;

/** One of the {@link ErrorNames}: the error names Step Functions Catch and Retry clauses match on. */
export type ErrorName = (typeof ErrorNames)[keyof typeof ErrorNames];

/** Lambda/Step Functions error names that mean "try again", beside {@link ErrorNames.transient}. */
export const LAMBDA_TRANSIENT_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
] as const;

/** The errors a participant's Lambda answers with; their `name` is what the saga's Catch and Retry match. */
export abstract class SagaError extends StepsagaError {
  abstract override readonly name: ErrorName;
}

/** Thrown by a handler when a business rule refuses the step (insufficient stock, a declined card): the saga compensates and never retries it. */
export class BusinessError extends SagaError {
  override readonly name = ErrorNames.business;
  constructor(
    message: string,
    /** A machine-readable reason, e.g. `INSUFFICIENT_STOCK`; surfaces in the execution history. */
    readonly code?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A passing failure (a conflict, throttling, a dependency hiccup): the saga retries the step per its retry policy. */
export class TransientError extends SagaError {
  override readonly name = ErrorNames.transient;
}

/** An action or try that arrived after its compensation or cancel, or a confirm without a committed try: refused for good, nothing changes. */
export class ActionRefusedError extends SagaError {
  override readonly name = ErrorNames.actionRefused;
}

/** The request or the handler's staged writes break a DynamoDB transaction limit (items, bytes, event or result size); retrying cannot help. */
export class TransactionLimitError extends SagaError {
  override readonly name = ErrorNames.limitExceeded;
}

/** The request does not match the participant's contract: not a `ParticipantRequest`, an unknown action, or an input that fails the schema. */
export class InvalidRequestError extends SagaError {
  override readonly name = ErrorNames.invalidRequest;
}

/** Like Powertools' `IdempotencyValidationError`: same barrier, different request fingerprint. */
export class RequestMismatchError extends SagaError {
  override readonly name = ErrorNames.requestMismatch;
}

export class InputInvalidError extends SagaError {
  override readonly name = ErrorNames.inputInvalid;
}

export class ResultTooLargeError extends SagaError {
  override readonly name = ErrorNames.resultTooLarge;
}
