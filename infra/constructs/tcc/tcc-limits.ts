import { Token } from 'aws-cdk-lib';
import { HistoryEvents, type SagaWorstCase, worstRetryWaitSeconds } from '../saga/saga-limits.js';
import { PARK_RETRY, PARK_TIMEOUT_SECONDS, type ResolvedRetry } from '../saga/saga-plan.js';
import type { TccPlan } from './tcc-plan.js';

/** ParallelStateEntered, ParallelStateStarted, ParallelStateSucceeded/Failed and ParallelStateExited. */
const PARALLEL_EVENTS = 4;

interface Cost {
  readonly events: number;
  readonly seconds: number;
}

function task(retry: ResolvedRetry, timeoutSeconds: number, eventsPerAttempt: number): Cost {
  const attempts = retry.attempts + 1;
  return {
    events: HistoryEvents.stateVisit + attempts * eventsPerAttempt,
    seconds: attempts * timeoutSeconds + worstRetryWaitSeconds(retry),
  };
}

/** Branches run side by side: their events add up, the slowest one sets the duration. */
function parallel(branches: readonly Cost[]): Cost {
  return {
    events: PARALLEL_EVENTS + branches.reduce((sum, b) => sum + b.events, 0),
    seconds: Math.max(0, ...branches.map((b) => b.seconds)),
  };
}

/**
 * The worst case over every path, bounded from above: every Try using its whole retry budget, then
 * the costlier of Confirm and Cancel using theirs on every participant, then the park path.
 */
export function tccWorstCase(plan: TccPlan): SagaWorstCase {
  const { participants, confirmRetry, cancelRetry } = plan;
  const retries = [...participants.map((p) => p.tryRetry), confirmRetry, cancelRetry];
  const values = [
    ...participants.map((p) => p.timeoutSeconds),
    ...retries.flatMap((r) => [r.attempts, r.intervalSeconds, r.backoffRate, r.maxDelaySeconds]),
  ];
  const unresolved = values.some((v) => Token.isUnresolved(v));

  const lambda = HistoryEvents.lambdaAttempt;
  const tries = parallel(participants.map((p) => task(p.tryRetry, p.timeoutSeconds, lambda)));
  const confirms = parallel(participants.map((p) => task(confirmRetry, p.timeoutSeconds, lambda)));
  const cancels = parallel(participants.map((p) => task(cancelRetry, p.timeoutSeconds, lambda)));
  const park = task(PARK_RETRY, PARK_TIMEOUT_SECONDS, HistoryEvents.serviceAttempt);
  // The terminal state, and the `Decide` Choice after a park (counted even on Express, which has none).
  const fixed = HistoryEvents.execution + 2 * HistoryEvents.stateVisit;
  return {
    historyEvents: fixed + tries.events + Math.max(confirms.events, cancels.events) + park.events,
    durationSeconds: tries.seconds + Math.max(confirms.seconds, cancels.seconds) + park.seconds,
    unresolved,
  };
}
