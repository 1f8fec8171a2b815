/**
 * What an operator answers a parked execution with (the `output` of SendTaskSuccess on the token the
 * parked message carries). The state machine and the operator tools both read these names.
 */
export const ParkedDecisions = {
  /** Run the state that failed again (the participant's barrier returns a committed result as is). */
  retry: 'retry',
  /** The operator finished the failed state by hand: go on as if it had succeeded. */
  skip: 'skip',
  /** End the execution as `SagaParked`: nothing more runs. */
  abandon: 'abandon',
} as const;

export type ParkedDecisionType = (typeof ParkedDecisions)[keyof typeof ParkedDecisions];

/** The task output an operator sends; `by` and `note` are kept in the history for the audit trail. */
export interface ParkedDecision {
  readonly decision: ParkedDecisionType;
  readonly by?: string;
  readonly note?: string;
}

/** Top-level key of the execution state under which the last operator decision is kept. */
export const DECISION_KEY = 'decision';
