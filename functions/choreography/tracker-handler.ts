import type { InboxHandler } from '../inbox/handler.js';
import { createSagaTrackerHandler } from './tracker.js';

let built: InboxHandler | undefined;

/** The tracker function's entry: table and event meanings come from the environment. */
export const handler: InboxHandler = (event, context) => {
  // Built at the first invocation, so that a missing variable fails an invocation with a clear message.
  built ??= createSagaTrackerHandler();
  return built(event, context);
};
