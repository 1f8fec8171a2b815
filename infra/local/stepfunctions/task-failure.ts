/**
 * A failed Task as the interpreter sees it: `name` is the ASL error that Retry/Catch match,
 * `message` the cause (for Lambda, the JSON error payload, as on AWS).
 */
export class TaskFailure extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }
}
