/**
 * The base of every error stepsaga's handlers and runtime throw. It forwards `cause`, so an error
 * that wraps a DynamoDB or SQS failure keeps it for logs and debuggers; subclasses set `name`, which
 * is what Step Functions' Catch and Retry match.
 */
export class StepsagaError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
  }
}
