import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

export async function getFullHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export interface FollowOptions {
  /** Pause between polls. @default 100 */
  readonly pollMs?: number;
  /** Give up after this long. @default 15 minutes */
  readonly timeoutMs?: number;
}

/**
 * Polls an execution's history and hands each new event to `onEvent` in order, until the execution
 * ends. Polling reads the whole history each time, which keeps ordering simple and is cheap at saga sizes.
 */
export async function followExecution(
  client: SFNClient,
  executionArn: string,
  onEvent: (event: HistoryEvent) => void,
  options: FollowOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
  let seen = 0;
  for (;;) {
    const events = await getFullHistory(client, executionArn);
    for (const event of events.slice(seen)) onEvent(event);
    seen = Math.max(seen, events.length);
    if (events.some((e) => TERMINAL.has(String(e.type)))) return;
    if (Date.now() > deadline) {
      throw new Error(`Execution ${executionArn} did not finish within ${options.timeoutMs ?? 900_000} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}
