import type { StateMachine } from 'aws-local-stepfunctions';

/** An event of the interpreter's event log (the package does not export the type). */
export type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** One event of GetExecutionHistory, in AWS's JSON shape (timestamps as epoch seconds). */
export interface HistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

const json = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? null));
const details = (_value: unknown) => ({ truncated: false });

/** Builds an execution's history in the order events happen. */
export class HistoryRecorder {
  readonly events: HistoryEvent[];
  private closed = false;
  /** Told of each event as it is added (a persisted cloud writes it to its journal). */
  listener: ((event: HistoryEvent) => void) | undefined;

  /** `events`: the history so far, for an execution restored after a restart. */
  constructor(events: readonly HistoryEvent[] = []) {
    this.events = [...events];
  }

  /** Ends the history: events that arrive later (a task finishing after StopExecution) are dropped. */
  close(): void {
    this.closed = true;
  }

  /** A redriven execution appends to the history it had. */
  reopen(): void {
    this.closed = false;
  }

  add(
    type: string,
    detailKey?: string,
    detailValue?: Record<string, unknown>,
    timestampMs = Date.now(),
  ): void {
    if (this.closed) return;
    const id = this.events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp: timestampMs / 1000,
      type,
      ...(detailKey && detailValue ? { [detailKey]: detailValue } : {}),
    };
    this.events.push(event);
    this.listener?.(event);
  }

  /**
   * Maps one interpreter event to the AWS events it stands for. `shownType` names the state type
   * the history shows (a stand-in Task for a Fail state shows as Fail).
   */
  record(
    event: EventLog,
    roleArn: string,
    timedOutTaskEvent: (stateName: string) => string,
    shownType: (stateName: string, type: string) => string = (_name, type) => type,
  ): void {
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        this.add(
          'ExecutionStarted',
          'executionStartedEventDetails',
          { input: json(event.input), inputDetails: details(event.input), roleArn },
          at,
        );
        return;
      case 'ExecutionSucceeded':
        this.add(
          'ExecutionSucceeded',
          'executionSucceededEventDetails',
          { output: json(event.output), outputDetails: details(event.output) },
          at,
        );
        return;
      case 'ExecutionFailed':
        this.add(
          'ExecutionFailed',
          'executionFailedEventDetails',
          executionFailure(event.Error, event.Cause),
          at,
        );
        return;
      case 'ExecutionTimeout':
        this.add('ExecutionTimedOut', 'executionTimedOutEventDetails', { error: 'States.Timeout' }, at);
        return;
      case 'ExecutionAborted':
        // Recorded by StopExecution with the caller's error and cause.
        return;
      case 'StateEntered': {
        const { name, input } = event.state;
        const type = shownType(name, event.state.type);
        this.add(
          `${type}StateEntered`,
          'stateEnteredEventDetails',
          { name, input: json(input), inputDetails: details(input) },
          at,
        );
        if (type === 'Parallel') this.add('ParallelStateStarted', undefined, undefined, at);
        if (type === 'Map') this.add('MapStateStarted', undefined, undefined, at);
        return;
      }
      case 'StateExited': {
        const { name, output } = event.state;
        const type = shownType(name, event.state.type);
        if (type === 'Parallel' || type === 'Map')
          this.add(`${type}StateSucceeded`, undefined, undefined, at);
        this.add(
          `${type}StateExited`,
          'stateExitedEventDetails',
          { name, output: json(output), outputDetails: details(output) },
          at,
        );
        return;
      }
      case 'StateFailed':
        if (
          event.state.type === 'Task' &&
          event.Error === 'States.Timeout' &&
          shownType(event.state.name, 'Task') === 'Task'
        ) {
          const type = timedOutTaskEvent(event.state.name);
          const key = `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
          this.add(type, key, { error: 'States.Timeout' }, at);
        }
        if (event.state.type === 'Parallel' || event.state.type === 'Map')
          this.add(`${event.state.type}StateFailed`, undefined, undefined, at);
        return;
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type.charAt(0).toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.add(event.type, key, { name: event.parentState.name, index: event.index }, at);
        return;
      }
      default:
        // StateRetried, StateCaught and Parallel branch events have no AWS counterpart.
        return;
    }
  }
}

/**
 * What an execution that failed reports as its error and cause. A Fail state without Error, Cause or
 * both ends the execution without that field on AWS; the interpreter fills in its own default for
 * each missing one (`new FailStateError(error, cause)` with default parameters), taken out here one
 * by one, so that `{"Error": "Job Failed"}` alone fails with that error and no cause.
 */
export function executionFailure(error: unknown, cause: unknown): { error?: string; cause?: string } {
  if (error === 'FailStateError') error = undefined;
  if (cause === 'Execution failed because of a Fail state') cause = undefined;
  return {
    ...(error === undefined ? {} : { error: String(error) }),
    ...(cause === undefined ? {} : { cause: typeof cause === 'string' ? cause : JSON.stringify(cause) }),
  };
}

export interface RedrivePoint {
  /** The top-level state the redrive starts at. */
  readonly state: string;
  /** What that state received when it was entered last. */
  readonly input: unknown;
}

/**
 * Where a redrive resumes, as AWS does: at the unsuccessful state, the last top-level state the
 * execution entered (a failure inside a Parallel or Map reruns that whole state), with the input
 * it entered with. A state that had exited when the execution stopped resumes at its `Next`.
 * `undefined` when no top-level state was entered.
 */
export function redrivePoint(
  events: readonly HistoryEvent[],
  states: Readonly<Record<string, { readonly Next?: unknown }>>,
): RedrivePoint | undefined {
  let last: { name: string; input: string; exited: boolean; output?: string } | undefined;
  for (const event of events) {
    const entered = event.stateEnteredEventDetails as { name?: string; input?: string } | undefined;
    if (event.type.endsWith('StateEntered') && entered?.name && entered.name in states) {
      last = { name: entered.name, input: entered.input ?? '{}', exited: false };
    }
    const exited = event.stateExitedEventDetails as { name?: string; output?: string } | undefined;
    if (event.type.endsWith('StateExited') && last && exited?.name === last.name) {
      last.exited = true;
      last.output = exited.output ?? '{}';
    }
  }
  if (!last) return undefined;
  const next = states[last.name]?.Next;
  if (last.exited && typeof next === 'string') {
    return { state: next, input: JSON.parse(last.output ?? '{}') };
  }
  return { state: last.name, input: JSON.parse(last.input) };
}
