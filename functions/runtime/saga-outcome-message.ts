/**
 * The message a `Saga` with `outcomes` publishes when an execution ends. No CDK import here, so that
 * a Lambda consumer of the outcome queue can import the type without pulling in aws-cdk-lib.
 */

export const SagaOutcomeTypes = {
  succeeded: 'SagaSucceeded',
  compensated: 'SagaCompensated',
  parked: 'SagaParked',
} as const;

/** The `type` of a {@link SagaOutcomeMessage}: `SagaSucceeded`, `SagaCompensated` or `SagaParked`. */
export type SagaOutcomeType = (typeof SagaOutcomeTypes)[keyof typeof SagaOutcomeTypes];

/** Every failure the execution caught, keyed by the state that failed. */
export type SagaErrors = Readonly<Record<string, { readonly Error: string; readonly Cause: string }>>;

interface SagaOutcomeBase {
  /** The execution name; also the saga id participants saw. */
  readonly sagaId: string;
  readonly sagaName: string;
  /** Unique per execution; also the notification id (message attribute `notificationId`). */
  readonly executionArn: string;
  /** ISO-8601 time the outcome was published. */
  readonly time: string;
}

/** Published when every step of a saga succeeded. */
export interface SagaSucceededMessage extends SagaOutcomeBase {
  readonly type: typeof SagaOutcomeTypes.succeeded;
  /** Each forward step's result, keyed by step name. */
  readonly summary: Readonly<Record<string, unknown>>;
}

/** Published when a saga failed and every completed step was compensated. */
export interface SagaCompensatedMessage extends SagaOutcomeBase {
  readonly type: typeof SagaOutcomeTypes.compensated;
  /** The failure that triggered compensation (and any retried-then-caught failure after it). */
  readonly summary: SagaErrors;
}

/** Published when a saga could neither finish nor compensate and waits on its parked queue for an operator. */
export interface SagaParkedMessage extends SagaOutcomeBase {
  readonly type: typeof SagaOutcomeTypes.parked;
  /** Every failure that led to parking, including `Park saga` itself if the parked queue refused. */
  readonly summary: SagaErrors;
}

/** What a saga publishes to its outcomes channel when an execution ends (`outcomes` of `SagaProps`). */
export type SagaOutcomeMessage = SagaSucceededMessage | SagaCompensatedMessage | SagaParkedMessage;
