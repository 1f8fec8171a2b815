import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { formatSeconds } from './table.js';

export interface ExecutionOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  readonly error?: string;
  readonly cause?: string;
  readonly output?: string;
  readonly durationMs: number;
}

const COMPENSATION_PREFIX = 'Compensate ';
const PARK_STATE = /park/i;

/** The message inside a Lambda error cause (`{"errorType","errorMessage",...}`), or the cause itself. */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown; message?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: the cause is already a message.
  }
  return cause;
}

/**
 * Explains a saga's terminal error. `SagaCompensated` and `SagaParked` carry the JSON of the caught
 * errors per state; each becomes `<state>: <Error>: <message>`.
 */
export function describeFailure(error: string | undefined, cause: string | undefined): string {
  if (!cause) return error ?? 'unknown error';
  try {
    const errors = JSON.parse(cause) as Record<string, { Error?: unknown; Cause?: unknown }>;
    const parts = Object.entries(errors)
      .filter(([, v]) => v && typeof v === 'object' && typeof v.Error === 'string')
      .map(
        ([state, v]) =>
          `${state}: ${String(v.Error)}: ${causeMessage(typeof v.Cause === 'string' ? v.Cause : '')}`,
      );
    if (parts.length > 0) return `${error ?? 'failed'} (${parts.join('; ')})`;
  } catch {
    // Not the saga's error map: fall through to the plain form.
  }
  return `${error ?? 'failed'}: ${causeMessage(cause)}`;
}

function isTaskEntered(type: string): boolean {
  return type === 'TaskStateEntered' || type === 'ParallelStateEntered' || type === 'MapStateEntered';
}

/**
 * Turns Step Functions history events, fed in order (live or after the fact), into one readable
 * line per saga step transition: started, succeeded, failed, retried, compensated, and the outcome.
 */
export class TimelineRenderer {
  private startedAt: number | undefined;
  private readonly stateOfEvent = new Map<number, string>();
  private readonly attempts = new Map<string, number>();
  private readonly enteredAt = new Map<string, number>();
  private lastState: string | undefined;
  private outcomeValue: ExecutionOutcome | undefined;

  get outcome(): ExecutionOutcome | undefined {
    return this.outcomeValue;
  }

  /** The lines this event adds to the timeline (often none: plumbing events are folded away). */
  push(event: HistoryEvent): string[] {
    const type = String(event.type ?? '');
    const at = event.timestamp ? new Date(event.timestamp).getTime() : Date.now();
    this.startedAt ??= at;
    const offset = at - this.startedAt;
    const state =
      event.stateEnteredEventDetails?.name ??
      event.stateExitedEventDetails?.name ??
      (event.previousEventId !== undefined ? this.stateOfEvent.get(event.previousEventId) : undefined) ??
      this.lastState;
    if (event.id !== undefined && state) this.stateOfEvent.set(event.id, state);

    const line = (name: string, verb: string, detail = '') =>
      `  ${`+${formatSeconds(offset)}`.padStart(9)}  ${name.padEnd(30)} ${detail ? `${verb.padEnd(12)} ${detail}` : verb}`;

    switch (type) {
      case 'ExecutionStarted':
        return [line('saga', 'started')];
      case 'ExecutionSucceeded':
        this.outcomeValue = {
          status: 'SUCCEEDED',
          output: event.executionSucceededEventDetails?.output,
          durationMs: offset,
        };
        return [line('saga', 'SUCCEEDED', `in ${formatSeconds(offset)}`)];
      case 'ExecutionFailed': {
        const details = event.executionFailedEventDetails;
        this.outcomeValue = {
          status: 'FAILED',
          error: details?.error,
          cause: details?.cause,
          durationMs: offset,
        };
        return [line('saga', 'FAILED', describeFailure(details?.error, details?.cause))];
      }
      case 'ExecutionAborted':
        this.outcomeValue = { status: 'ABORTED', durationMs: offset };
        return [line('saga', 'ABORTED')];
      case 'ExecutionTimedOut':
        this.outcomeValue = { status: 'TIMED_OUT', durationMs: offset };
        return [line('saga', 'TIMED_OUT')];
      default:
        break;
    }

    if (isTaskEntered(type) && state) {
      this.lastState = state;
      this.enteredAt.set(state, at);
      this.attempts.set(state, 0);
      return [];
    }
    if (type.endsWith('StateEntered') && state) {
      this.lastState = state;
      return [];
    }
    if (!state) return [];

    const compensation = state.startsWith(COMPENSATION_PREFIX);
    const parking = PARK_STATE.test(state);
    if (type === 'LambdaFunctionScheduled' || type === 'TaskScheduled') {
      const attempt = (this.attempts.get(state) ?? 0) + 1;
      this.attempts.set(state, attempt);
      if (attempt > 1) return [line(state, 'retrying', `attempt ${attempt}`)];
      return [line(state, compensation ? 'compensating' : parking ? 'parking' : 'started')];
    }
    if (type === 'LambdaFunctionSucceeded' || type === 'TaskSucceeded') {
      const took = at - (this.enteredAt.get(state) ?? at);
      const verb = compensation ? 'compensated' : parking ? 'parked' : 'succeeded';
      return [line(state, verb, `(${formatSeconds(took)})`)];
    }
    const failure =
      event.lambdaFunctionFailedEventDetails ??
      event.lambdaFunctionTimedOutEventDetails ??
      event.lambdaFunctionScheduleFailedEventDetails ??
      event.lambdaFunctionStartFailedEventDetails ??
      event.taskFailedEventDetails ??
      event.taskTimedOutEventDetails;
    if (failure && /Failed|TimedOut/.test(type)) {
      return [line(state, 'failed', `${failure.error ?? 'error'}: ${causeMessage(failure.cause)}`)];
    }
    return [];
  }
}
