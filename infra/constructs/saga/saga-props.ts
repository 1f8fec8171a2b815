import type { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { ParticipantRef } from '../participant/participant-ref.js';
import type { SagaOutcomes } from './saga-outcomes.js';

/**
 * Richardson's step kinds. Compensatable steps come first and can be undone; the pivot is the point
 * of no return; retriable steps follow it and must eventually succeed (their failure parks the saga).
 */
export type SagaStepKind = 'compensatable' | 'pivot' | 'retriable';

/** A Step Functions retrier, in CDK units. */
export interface StepRetry {
  /**
   * Retries after the first attempt (Step Functions' `MaxAttempts`); 0 disables retrying.
   * @default 3 for compensatable and pivot steps, 6 for retriable steps and compensations
   */
  readonly attempts?: number;
  /**
   * Wait before the first retry; whole seconds.
   * @default Duration.seconds(1) for forward steps, Duration.seconds(2) for compensations
   */
  readonly interval?: Duration;
  /**
   * Multiplier of the wait for each further retry; at least 1.
   * @default 2
   */
  readonly backoffRate?: number;
  /**
   * Cap on any single wait; whole seconds.
   * @default Duration.seconds(20) for forward steps, Duration.seconds(60) for compensations
   */
  readonly maxDelay?: Duration;
  /**
   * `FULL` spreads retries of many executions over [0, wait] so they do not hit a participant together.
   * @default 'FULL'
   */
  readonly jitter?: 'FULL' | 'NONE';
}

/** One step of a saga: the participant it invokes, its action and, for a compensatable step, its compensation. */
export interface SagaStep {
  /** The forward state's name and the key of its result under `$.results`. */
  readonly name: string;
  readonly participant: ParticipantRef;
  /** The participant action the forward phase runs, e.g. `reserve`. */
  readonly action: string;
  /**
   * The participant action that undoes `action`, e.g. `release`.
   * @default - none; required for compensatable steps, forbidden for pivot and retriable steps
   */
  readonly compensation?: string;
  /**
   * @default - 'compensatable' when the step has a compensation; when no step is declared the pivot,
   * the last step becomes the pivot if it has no compensation
   */
  readonly kind?: SagaStepKind;
  /**
   * Retry of transient failures of the forward phase (business errors are never retried).
   * @default - see {@link StepRetry}
   */
  readonly retry?: StepRetry;
  /**
   * Most bytes the forward result may take in the saga state (UTF-8 JSON). The participant runtime
   * refuses a larger result with `SagaResultTooLarge` before it commits, and the saga compensates.
   * @default - an equal share of what the 256 KiB state leaves after the input budget, 32 KiB for
   * errors and the results of steps that declare theirs
   */
  readonly maxResultBytes?: number;
  /**
   * Task timeout of each attempt (forward phase and compensation); a timed-out attempt is retried.
   * @default - the function's timeout plus 5 seconds when known (a `lambda.Function`), else 900 seconds
   */
  readonly timeout?: Duration;
  /**
   * Lean payload: the parts of the saga state this step's participant receives, as JSONPaths:
   * `$.<field>` for a top-level input field (a required field of `inputSchema`) and `$.results.<Step>`
   * for the kept result of an earlier step. The request's `input` then holds only the selected fields
   * and its `results` only the selected results; the compensation receives the same. Checked at synth;
   * not allowed on the first step, which checks the whole input against `maxInputBytes`.
   * @default - the whole saga input and every earlier result
   */
  readonly select?: readonly string[];
  /**
   * Lean state: the top-level fields of the forward result kept in `$.results.<Step>`; the participant
   * runtime returns only these (fields the result lacks are left out) and holds them, not the whole
   * result, to `maxResultBytes`. The barrier records the whole result, so the compensation still
   * sees all of it as `action.result`.
   * @default - the whole result
   */
  readonly keepResult?: readonly string[];
}

/** The type a field of the saga input must have, checked by the input `Choice` state (`timestamp`: an ISO-8601 string). */
export type SagaInputFieldType = 'string' | 'number' | 'boolean' | 'timestamp';

/** A top-level field of the saga input: its type, and whether it may be absent. */
export interface SagaInputField {
  readonly type: SagaInputFieldType;
  /** @default false */
  readonly optional?: boolean;
}

/** Top-level fields of the saga input, checked by one `Choice` state before the first step. */
export type SagaInputSchema = Readonly<Record<string, SagaInputFieldType | SagaInputField>>;

/** The Step Functions workflow type of the saga. */
export type SagaType = 'STANDARD' | 'EXPRESS';

/** The state machine's log level: `ALL` logs every event, `ERROR` only failures. */
export type SagaLogLevel = 'ALL' | 'ERROR';

/** Props of the {@link Saga} construct. */
export interface SagaProps {
  /** Ordered steps; at least one. */
  readonly steps: readonly SagaStep[];
  /**
   * The saga's logical name (sent to participants as `sagaName`; also the state machine name).
   * @default - the construct id
   */
  readonly sagaName?: string;
  /**
   * Overall execution timeout (`TimeoutSeconds`). An execution that times out is neither
   * compensated nor parked, so keep it well above the worst-case duration.
   * @default - none for Standard (Step Functions allows one year); 5 minutes for Express
   */
  readonly timeout?: Duration;
  /** @default 'STANDARD' */
  readonly type?: SagaType;
  /**
   * Validate the execution input before the first step. Costs one extra state transition per
   * execution (one `Choice` state); a mismatch fails the execution with `SagaInputInvalid`.
   * The reserved keys `results` and `errors` are refused as well.
   * @default - no validation
   */
  readonly inputSchema?: SagaInputSchema;
  /**
   * Most bytes the execution input may take (UTF-8 JSON); the rest of the 256 KiB saga state is
   * shared by the step results. The first step refuses a larger input (or one that is not a JSON
   * object) with `SagaInputInvalid` before anything commits.
   * @default 65536
   */
  readonly maxInputBytes?: number;
  /**
   * `ALL` is needed for {@link Saga.metricCompensated} (it counts `FailStateEntered` events).
   * @default 'ALL'
   */
  readonly logLevel?: SagaLogLevel;
  /**
   * Log execution input, output and errors' causes; off by default because they carry business data.
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /** @default true */
  readonly tracing?: boolean;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Retry budget of every compensation (`States.ALL`); past it the saga is parked.
   * @default { attempts: 6, interval: 2 s, backoffRate: 2, maxDelay: 60 s, jitter: 'FULL' }
   */
  readonly compensationRetry?: StepRetry;
  /**
   * How long a parked execution waits for an operator's decision (`retry`, `skip` or `abandon`, sent
   * with SendTaskSuccess on the token in the parked message; see docs/operations.md). Past it the
   * execution is abandoned: it ends as `SagaParked`. Standard sagas only; an Express saga cannot
   * wait on a task token, so it ends as `SagaParked` right after sending the parked message.
   * @default Duration.days(7) for Standard sagas
   */
  readonly parkedDecisionTimeout?: Duration;
  /**
   * Where parked sagas go.
   * @default - a new queue: SSE, TLS enforced, 14-day retention
   */
  readonly parkedQueue?: sqs.IQueue;
  /**
   * Publish how each execution ended (`SagaSucceeded`, `SagaCompensated` or `SagaParked`, see
   * `SagaOutcomeMessage`) to a `NotificationChannel` or a standard SQS queue, straight from the state
   * machine. Costs one state transition per execution (N + 2 on the happy path). A send that still
   * fails after 3 retries is recorded under `errors` and the saga ends as it would have.
   * @default - no outcome messages
   */
  readonly outcomes?: SagaOutcomes;
}
