/** The part of a Step Functions history event (GetExecutionHistory) the count reads. */
export interface HistoryEventLike {
  readonly type?: string;
}

/** A Task attempt starts with one of these; the first of a state visit is part of entering it. */
const ATTEMPT_SCHEDULED = new Set(['LambdaFunctionScheduled', 'TaskScheduled', 'ActivityScheduled']);

/**
 * State transitions of one execution as Step Functions Standard bills them: one per state entered
 * (each `<Type>StateEntered` event, terminal states included) plus one per retry ("each retry will be
 * charged as an additional state transition", aws.amazon.com/step-functions/pricing). A retry shows in
 * the history as a further `LambdaFunctionScheduled` / `TaskScheduled` within the same Task visit.
 */
export function billedTransitions(events: readonly HistoryEventLike[]): number {
  let entered = 0;
  let taskVisits = 0;
  let attempts = 0;
  for (const event of events) {
    const type = event.type ?? '';
    if (type.endsWith('StateEntered')) {
      entered += 1;
      if (type === 'TaskStateEntered') taskVisits += 1;
    } else if (ATTEMPT_SCHEDULED.has(type)) {
      attempts += 1;
    }
  }
  return entered + Math.max(0, attempts - taskVisits);
}
