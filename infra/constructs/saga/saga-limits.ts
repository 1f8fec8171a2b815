import { Token } from 'aws-cdk-lib';
import {
  DEFAULT_PERSISTENT_RETRY,
  OUTCOME_RETRY,
  OUTCOME_TIMEOUT_SECONDS,
  PARK_RETRY,
  PARK_TIMEOUT_SECONDS,
  type ResolvedRetry,
  type ResolvedStep,
} from './saga-plan.js';

/** A Standard execution's history holds at most this many events; past it the execution fails. */
export const MAX_HISTORY_EVENTS = 25_000;
/** An Express execution runs at most five minutes. */
export const EXPRESS_MAX_DURATION_SECONDS = 300;

/**
 * History events, counted conservatively from the Standard history event types:
 * ExecutionStarted + the terminal Execution* event; <Type>StateEntered + <Type>StateExited per state
 * visit; per Lambda attempt LambdaFunctionScheduled, LambdaFunctionStarted and one of
 * Succeeded/Failed/TimedOut; per SQS attempt TaskScheduled, TaskStarted, TaskSubmitted and one of
 * TaskSucceeded/TaskFailed/TaskTimedOut. A retry adds no event of its own beyond its attempt's.
 */
export const HistoryEvents = {
  execution: 2,
  stateVisit: 2,
  lambdaAttempt: 3,
  serviceAttempt: 4,
} as const;

export interface SagaWorstCase {
  /** Most history events any path can write. */
  readonly historyEvents: number;
  /** Longest any path can run, in seconds (every attempt times out, every wait is the longest). */
  readonly durationSeconds: number;
  /** Whether a value was an unresolved token, which makes the numbers meaningless. */
  readonly unresolved: boolean;
}

interface Cost {
  events: number;
  seconds: number;
}

function add(...costs: Cost[]): Cost {
  return costs.reduce((a, b) => ({ events: a.events + b.events, seconds: a.seconds + b.seconds }), {
    events: 0,
    seconds: 0,
  });
}

/** Sum of the waits before each retry; jitter only ever shortens a wait. */
export function worstRetryWaitSeconds(retry: ResolvedRetry): number {
  let total = 0;
  for (let k = 0; k < retry.attempts; k++) {
    total += Math.min(retry.intervalSeconds * retry.backoffRate ** k, retry.maxDelaySeconds);
  }
  return total;
}

function task(retry: ResolvedRetry, timeoutSeconds: number, eventsPerAttempt: number): Cost {
  const attempts = retry.attempts + 1;
  return {
    events: HistoryEvents.stateVisit + attempts * eventsPerAttempt,
    seconds: attempts * timeoutSeconds + worstRetryWaitSeconds(retry),
  };
}

/**
 * The worst case over every path: the happy path with every retry used; a failure at each step,
 * after every retry, followed by every compensation it triggers using its whole budget and the last
 * one parking the saga; with outcomes, every path also publishes its outcome using the whole budget.
 */
export function worstCase(
  steps: readonly ResolvedStep[],
  compensationRetry: ResolvedRetry = DEFAULT_PERSISTENT_RETRY,
  hasInputValidation = false,
  publishesOutcomes = false,
  waitsForDecision = false,
): SagaWorstCase {
  const values = steps.flatMap((s) => [
    s.timeoutSeconds,
    s.retry.attempts,
    s.retry.intervalSeconds,
    s.retry.backoffRate,
    s.retry.maxDelaySeconds,
  ]);
  values.push(
    compensationRetry.attempts,
    compensationRetry.intervalSeconds,
    compensationRetry.backoffRate,
    compensationRetry.maxDelaySeconds,
  );
  const unresolved = values.some((v) => Token.isUnresolved(v));

  const start: Cost = {
    events: HistoryEvents.execution + (hasInputValidation ? HistoryEvents.stateVisit : 0),
    seconds: 0,
  };
  const publish = task(OUTCOME_RETRY, OUTCOME_TIMEOUT_SECONDS, HistoryEvents.serviceAttempt);
  const terminal: Cost = publishesOutcomes
    ? add(publish, { events: HistoryEvents.stateVisit, seconds: 0 })
    : { events: HistoryEvents.stateVisit, seconds: 0 };
  // A parked execution that waits adds its `Decide` Choice; every operator decision after that
  // (retry, skip) adds the events of what it reruns, which no static bound can count.
  const park = add(task(PARK_RETRY, PARK_TIMEOUT_SECONDS, HistoryEvents.serviceAttempt), {
    events: waitsForDecision ? HistoryEvents.stateVisit : 0,
    seconds: 0,
  });
  const forward = steps.map((s) => task(s.retry, s.timeoutSeconds, HistoryEvents.lambdaAttempt));
  const compensate = steps.map((s) => task(compensationRetry, s.timeoutSeconds, HistoryEvents.lambdaAttempt));

  const paths: Cost[] = [add(start, ...forward, terminal)];
  for (const failed of steps) {
    const before = forward.slice(0, failed.index + 1);
    if (failed.kind === 'retriable') {
      paths.push(add(start, ...before, park, terminal));
      continue;
    }
    const undone = steps
      .filter((s) => s.kind === 'compensatable' && s.index <= failed.index)
      .map((s) => compensate[s.index]!);
    paths.push(add(start, ...before, ...undone, park, terminal));
  }
  const worst = paths.reduce((a, b) => ({
    events: Math.max(a.events, b.events),
    seconds: Math.max(a.seconds, b.seconds),
  }));
  return { historyEvents: worst.events, durationSeconds: worst.seconds, unresolved };
}
