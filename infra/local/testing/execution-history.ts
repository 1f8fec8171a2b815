import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { TimelineRenderer } from '../cli/timeline.js';
import type { LocalCloud } from '../types.js';

/** Every event of an execution's history, oldest first (all pages). */
export async function executionHistory(cloud: LocalCloud, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = (await cloud.stepFunctions.call('GetExecutionHistory', {
      executionArn,
      maxResults: 1000,
      ...(nextToken ? { nextToken } : {}),
    })) as { events: HistoryEvent[]; nextToken?: string };
    events.push(...page.events);
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/**
 * The names of the states the execution entered, in order, repeats included: the path it took,
 * e.g. `['ReserveInventory', 'ChargePayment', 'Compensate ChargePayment', 'Compensate ReserveInventory', ...]`.
 */
export async function enteredStates(cloud: LocalCloud, executionArn: string): Promise<string[]> {
  return (await executionHistory(cloud, executionArn))
    .map((event) => event.stateEnteredEventDetails?.name)
    .filter((name): name is string => name !== undefined);
}

/**
 * The execution as the `stepsaga` CLI prints it: one line per step transition (started, retried,
 * failed, compensated) and the outcome, with offsets from the start.
 */
export async function executionTimeline(cloud: LocalCloud, executionArn: string): Promise<string[]> {
  const renderer = new TimelineRenderer();
  return (await executionHistory(cloud, executionArn)).flatMap((event) => renderer.push(event));
}
