import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { causeMessage } from '../cli/timeline.js';
import { type StateKind, stateKind } from './state-kinds.js';

/** One failed attempt of a state: what it raised and when. */
export interface AttemptFailure {
  readonly at: string;
  readonly error: string;
  readonly cause: string;
}

/** One visit of a state in an execution, with its attempts folded in. */
export interface TimelineEntry {
  readonly state: string;
  readonly kind: StateKind;
  readonly enteredAt: string;
  /** Absent while the state runs. */
  readonly exitedAt?: string;
  /** Milliseconds from the execution's start to the state's entry. */
  readonly offsetMs: number;
  readonly durationMs?: number;
  readonly status: 'running' | 'succeeded' | 'failed' | 'waiting';
  /** How many times its task was scheduled: 1, or more when Retry ran it again. */
  readonly attempts: number;
  readonly failures: readonly AttemptFailure[];
  /** A park's outcome: the operator's decision, with who took it (`retry by ops@example.com`). */
  readonly decision?: string;
}

/** One history event, flattened for the console's history table. */
export interface HistoryRow {
  readonly id: number;
  readonly type: string;
  readonly at: string;
  readonly state?: string;
  readonly detail: string;
}

export interface ExecutionTimeline {
  readonly entries: readonly TimelineEntry[];
  readonly history: readonly HistoryRow[];
  /** Total task attempts beyond the first, over every state: what Retry did. */
  readonly retries: number;
  /** Compensation states that ran to success. */
  readonly compensations: number;
}

interface MutableEntry {
  state: string;
  kind: StateKind;
  enteredAt: number;
  exitedAt?: number;
  status: TimelineEntry['status'];
  attempts: number;
  failures: AttemptFailure[];
  decision?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** The SDK's history has `Date`s; the in-process service answers in AWS's JSON, epoch seconds. */
function timeOf(event: HistoryEvent): number {
  const at = event.timestamp as Date | number | undefined;
  if (typeof at === 'number') return at * 1000;
  return at ? new Date(at).getTime() : 0;
}

/** The failure details an event carries, whichever kind of task raised it. */
function failureOf(event: HistoryEvent): { error?: string; cause?: string } | undefined {
  return (
    event.lambdaFunctionFailedEventDetails ??
    event.lambdaFunctionTimedOutEventDetails ??
    event.lambdaFunctionScheduleFailedEventDetails ??
    event.lambdaFunctionStartFailedEventDetails ??
    event.taskFailedEventDetails ??
    event.taskTimedOutEventDetails ??
    event.executionFailedEventDetails ??
    undefined
  );
}

function detailOf(event: HistoryEvent): string {
  const failure = failureOf(event);
  if (failure) return `${failure.error ?? 'error'}: ${causeMessage(failure.cause)}`.slice(0, 400);
  const input = event.executionStartedEventDetails?.input ?? event.stateEnteredEventDetails?.input;
  if (input !== undefined && event.type === 'ExecutionStarted') return input.slice(0, 400);
  const output =
    event.executionSucceededEventDetails?.output ??
    event.lambdaFunctionSucceededEventDetails?.output ??
    event.taskSucceededEventDetails?.output;
  return output?.slice(0, 400) ?? '';
}

/**
 * Folds an execution's history into one entry per state visit (entered, attempts, failures,
 * exited) plus a flat history table. `types` gives each state's ASL type from the definition, so
 * that Succeed and Fail states read as ends.
 */
export function buildTimeline(
  events: readonly HistoryEvent[],
  types: ReadonlyMap<string, string>,
): ExecutionTimeline {
  const start = events[0] ? timeOf(events[0]) : 0;
  const entries: MutableEntry[] = [];
  const open = new Map<string, MutableEntry>();
  const stateOfEvent = new Map<number, string>();
  const history: HistoryRow[] = [];
  let last: MutableEntry | undefined;
  for (const event of events) {
    const type = String(event.type ?? '');
    const at = timeOf(event);
    const named = event.stateEnteredEventDetails?.name ?? event.stateExitedEventDetails?.name;
    const state =
      named ??
      (event.previousEventId !== undefined ? stateOfEvent.get(event.previousEventId) : undefined) ??
      last?.state;
    if (event.id !== undefined && state) stateOfEvent.set(event.id, state);
    history.push({
      id: event.id ?? history.length + 1,
      type,
      at: iso(at),
      ...(state && !type.startsWith('Execution') ? { state } : {}),
      detail: detailOf(event),
    });
    if (type.endsWith('StateEntered') && named) {
      const entry: MutableEntry = {
        state: named,
        kind: stateKind(named, types.get(named)),
        enteredAt: at,
        status: 'running',
        attempts: 0,
        failures: [],
      };
      entries.push(entry);
      open.set(named, entry);
      last = entry;
      continue;
    }
    if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(type)) {
      // Succeed and Fail states end the execution without an exit event; a stopped execution
      // leaves its running state where it was.
      for (const running of open.values()) {
        running.exitedAt = at;
        running.status =
          running.kind === 'fail' ? 'failed' : running.kind === 'succeed' ? 'succeeded' : 'failed';
      }
      open.clear();
      continue;
    }
    const entry = state ? open.get(state) : undefined;
    if (!entry) continue;
    if (type === 'LambdaFunctionScheduled' || type === 'TaskScheduled') entry.attempts += 1;
    else if (type === 'TaskSubmitted' && entry.kind === 'park') entry.status = 'waiting';
    else if (type.endsWith('StateExited')) {
      entry.exitedAt = at;
      if (entry.status !== 'failed') entry.status = 'succeeded';
      open.delete(entry.state);
    } else if (/Failed|TimedOut/.test(type) && !type.startsWith('Execution')) {
      const failure = failureOf(event);
      entry.failures.push({
        at: iso(at),
        error: failure?.error ?? type,
        cause: causeMessage(failure?.cause),
      });
      // A failure that Retry answers is followed by another schedule; the last one decides.
      entry.status = 'failed';
    } else if (/Succeeded$/.test(type) && !type.startsWith('Execution')) {
      entry.status = 'succeeded';
      if (entry.kind === 'park') entry.decision = decisionOf(event.taskSucceededEventDetails?.output);
    }
  }
  return {
    entries: entries.map((e) => ({
      state: e.state,
      kind: e.kind,
      enteredAt: iso(e.enteredAt),
      ...(e.exitedAt !== undefined
        ? { exitedAt: iso(e.exitedAt), durationMs: e.exitedAt - e.enteredAt }
        : {}),
      offsetMs: e.enteredAt - start,
      status: e.status,
      attempts: Math.max(e.attempts, e.kind === 'step' || e.kind === 'compensation' ? 1 : 0),
      failures: e.failures,
      ...(e.decision ? { decision: e.decision } : {}),
    })),
    history,
    retries: entries.reduce((n, e) => n + Math.max(0, e.attempts - 1), 0),
    compensations: entries.filter((e) => e.kind === 'compensation' && e.status === 'succeeded').length,
  };
}

/** `retry by ops@example.com` from a park's task output, when it carries a decision. */
function decisionOf(output: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(output ?? '') as { decision?: unknown; by?: unknown };
    if (typeof parsed.decision !== 'string') return undefined;
    return typeof parsed.by === 'string' ? `${parsed.decision} by ${parsed.by}` : parsed.decision;
  } catch {
    return undefined;
  }
}
