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

/** Step Functions' payload limit: task results, state input/output and execution input, in UTF-8 bytes. */
export const MAX_PAYLOAD_BYTES = 262_144;

/**
 * A failure no Retry or Catch may handle (`States.ALL` does not match it on AWS), such as
 * `States.DataLimitExceeded`: the execution fails at once with this error.
 */
export class TerminalTaskFailure extends TaskFailure {}

/** Throws `States.DataLimitExceeded` when a task's result is over the payload limit, as AWS does. */
export function checkTaskResultSize(resource: string, payload: string): void {
  if (Buffer.byteLength(payload, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new TerminalTaskFailure(
      'States.DataLimitExceeded',
      `The state/task '${resource}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
  }
}
