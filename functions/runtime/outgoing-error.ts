/**
 * What an error may carry out of a participant. The Node.js Lambda runtime turns a thrown error
 * into `{errorType, errorMessage, trace}` with `trace` split from `error.stack`, and Step Functions
 * copies that payload into the execution history, into `$.errors`, and from there into parked and
 * outcome messages. A stack trace there only leaks file paths and library internals, so the
 * runtime keeps the name (what Catch and Retry match) and the message, and drops the trace unless
 * the participant opts in.
 */

/**
 * Longest message kept. Every caught error lives in the saga state, whose size is capped at 256 KiB;
 * the saga reserves room for its errors (see infra/constructs/saga/saga-state-budget.ts), which a
 * message of unbounded length would overrun.
 */
export const MAX_ERROR_MESSAGE_CHARS = 2_048;

const TRUNCATED = '… (truncated)';

/** Reshapes `error` in place for the trip out of the function, and returns it. */
export function shapeOutgoingError(error: unknown, keepStackTrace: boolean): unknown {
  if (!(error instanceof Error)) return error;
  if (error.message.length > MAX_ERROR_MESSAGE_CHARS) {
    error.message = `${error.message.slice(0, MAX_ERROR_MESSAGE_CHARS - TRUNCATED.length)}${TRUNCATED}`;
  }
  if (!keepStackTrace) {
    // One line, no frames: the trace Lambda reports then repeats the name and message only.
    error.stack = `${error.name}: ${error.message}`;
  }
  return error;
}
