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
    throw dataLimitExceeded(
      `The state/task '${resource}' returned a result with a size exceeding the maximum number of bytes service limit.`,
    );
  }
}

/**
 * Throws `States.DataLimitExceeded` when a Task's input after `Parameters` (what it sends to the
 * integration) is over the payload limit: AWS checks it before calling anything.
 */
export function checkTaskInputSize(stateName: string, inputJson: string): void {
  if (Buffer.byteLength(inputJson, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw dataLimitExceeded(
      `The state/task '${stateName}' has an input with a size exceeding the maximum number of bytes service limit.`,
    );
  }
}

/**
 * The failure for a state whose output, after `ResultPath` merged a result into its input, is over
 * the payload limit; undefined when it fits.
 */
export function stateOutputFailure(stateName: string, output: unknown): TerminalTaskFailure | undefined {
  const json = JSON.stringify(output ?? null);
  if (Buffer.byteLength(json, 'utf8') <= MAX_PAYLOAD_BYTES) return undefined;
  return dataLimitExceeded(
    `The state/task '${stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`,
  );
}

function dataLimitExceeded(cause: string): TerminalTaskFailure {
  return new TerminalTaskFailure('States.DataLimitExceeded', cause);
}
