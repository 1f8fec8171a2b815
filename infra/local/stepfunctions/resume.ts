import { type HistoryEvent, redrivePoint } from './history.js';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** What DescribeExecution reports, read back from a history. */
export interface StatusFromHistory {
  status: ExecutionStatus;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: number;
}

/**
 * An execution's status from its history alone: every way an execution ends (or is redriven) adds
 * an event, so the history of a restored execution says all that DescribeExecution answers.
 */
export function statusFromHistory(events: readonly HistoryEvent[]): StatusFromHistory {
  const state: StatusFromHistory = { status: 'RUNNING', redriveCount: 0 };
  for (const event of events) {
    const at = event.timestamp * 1000;
    const details = (key: string) => (event[key] ?? {}) as Record<string, unknown>;
    const end = (status: ExecutionStatus, error?: unknown, cause?: unknown) => {
      state.status = status;
      state.stopDate = at;
      if (typeof error === 'string') state.error = error;
      if (typeof cause === 'string') state.cause = cause;
    };
    switch (event.type) {
      case 'ExecutionSucceeded':
        end('SUCCEEDED');
        state.output = String(details('executionSucceededEventDetails').output ?? 'null');
        break;
      case 'ExecutionFailed': {
        const d = details('executionFailedEventDetails');
        end('FAILED', d.error, d.cause);
        break;
      }
      case 'ExecutionAborted': {
        const d = details('executionAbortedEventDetails');
        end('ABORTED', d.error, d.cause);
        break;
      }
      case 'ExecutionTimedOut':
        end('TIMED_OUT', 'States.Timeout');
        break;
      case 'ExecutionRedriven':
        state.status = 'RUNNING';
        state.redriveCount = Number(
          details('executionRedrivenEventDetails').redriveCount ?? state.redriveCount + 1,
        );
        state.redriveDate = at;
        delete state.stopDate;
        delete state.output;
        delete state.error;
        delete state.cause;
        break;
    }
  }
  return state;
}

interface Runnable {
  readonly StartAt: string;
  readonly States: Record<string, Record<string, unknown> & { readonly Next?: unknown }>;
}

/** Where a running execution carries on after a restart, and how. */
export interface ResumePlan {
  /** The definition to run: the execution's own, starting at the state it was in. */
  readonly definition: Runnable;
  readonly input: unknown;
  /** The task token the resumed state had been given, which it gets again. */
  readonly token?: string;
}

/** A value at a simple reference path (`$.a.b`) of `input`; undefined for anything else. */
function atPath(input: unknown, path: unknown): unknown {
  if (typeof path !== 'string' || !/^\$(\.[A-Za-z0-9_]+)*$/.test(path)) return undefined;
  let value = input;
  for (const key of path.split('.').slice(1)) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value;
}

/**
 * Resumes a Standard execution that was running when the cloud stopped, as a redrive would: at the
 * last top-level state entered, with the input it entered with (a Task that was in flight runs
 * again), or at the Next of a state that had exited. A Wait state waits only what was left of it;
 * a state that had been given a task token reads the same token again, so the token its worker
 * holds stays valid.
 */
export function resumePlan(
  events: readonly HistoryEvent[],
  runnable: Runnable,
  executionInput: unknown,
  tokens: ReadonlyArray<{ readonly token: string; readonly afterEvent: number }>,
  now = Date.now(),
): ResumePlan {
  const point = redrivePoint(events, runnable.States) ?? { state: runnable.StartAt, input: executionInput };
  let entered: HistoryEvent | undefined;
  for (const event of events) {
    const details = event.stateEnteredEventDetails as { name?: string } | undefined;
    if (event.type.endsWith('StateEntered') && details?.name === point.state) entered = event;
  }
  // Entered later than its last exit: the state was in progress (not the Next of an exited state).
  const inProgress =
    entered !== undefined &&
    !events.some(
      (e) =>
        e.id > (entered as HistoryEvent).id &&
        (e.stateExitedEventDetails as { name?: string } | undefined)?.name === point.state,
    );
  let states = runnable.States;
  const state = runnable.States[point.state];
  if (inProgress && entered && state?.Type === 'Wait') {
    const seconds =
      typeof state.Seconds === 'number' ? state.Seconds : atPath(point.input, state.SecondsPath);
    if (typeof seconds === 'number') {
      const { SecondsPath: _path, ...rest } = state;
      const left = Math.max(0, Math.ceil(seconds - (now / 1000 - entered.timestamp)));
      states = { ...states, [point.state]: { ...rest, Seconds: left } };
    }
  }
  const token =
    inProgress && entered
      ? tokens.filter((t) => t.afterEvent >= (entered as HistoryEvent).id).at(-1)?.token
      : undefined;
  return {
    definition: { ...runnable, StartAt: point.state, States: states },
    input: point.input,
    ...(token ? { token } : {}),
  };
}
