import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { getFullHistory } from './follow.js';
import { formatSeconds, formatTable } from './table.js';
import { causeMessage, TimelineRenderer } from './timeline.js';

function detailOf(event: HistoryEvent): string {
  const failure =
    event.executionFailedEventDetails ??
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails;
  if (failure) return `${failure.error ?? ''}: ${causeMessage(failure.cause)}`.slice(0, 120);
  const text =
    event.stateEnteredEventDetails?.input ??
    event.stateExitedEventDetails?.output ??
    event.executionStartedEventDetails?.input ??
    event.executionSucceededEventDetails?.output ??
    event.lambdaFunctionSucceededEventDetails?.output ??
    event.taskSucceededEventDetails?.output ??
    '';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The execution's history as a table, followed by its timeline. */
export async function historyReport(client: SFNClient, executionArn: string): Promise<string> {
  const events = await getFullHistory(client, executionArn);
  const start = events[0]?.timestamp?.getTime() ?? 0;
  const renderer = new TimelineRenderer();
  const stateOf = new Map<number, string>();
  let last = '';
  const rows = events.map((e) => {
    const state =
      e.stateEnteredEventDetails?.name ??
      e.stateExitedEventDetails?.name ??
      (e.previousEventId !== undefined ? stateOf.get(e.previousEventId) : undefined) ??
      last;
    if (e.stateEnteredEventDetails?.name) last = e.stateEnteredEventDetails.name;
    if (e.id !== undefined) stateOf.set(e.id, state);
    return [
      String(e.id ?? ''),
      `+${formatSeconds((e.timestamp?.getTime() ?? start) - start)}`,
      String(e.type ?? ''),
      String(e.type ?? '').startsWith('Execution') ? '' : state,
      detailOf(e),
    ];
  });
  const timeline = events.flatMap((e) => renderer.push(e));
  return `${formatTable(['ID', 'TIME', 'TYPE', 'STATE', 'DETAIL'], rows)}\n\nTimeline\n${timeline.join('\n')}`;
}
