import type { Duration } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { ParticipantRef } from '../participant/participant-ref.js';
import type { SagaLogLevel, SagaType, StepRetry } from '../saga/saga-props.js';

/** One resource manager of a TCC transaction: it reserves on Try, makes it final on Confirm, releases on Cancel. */
export interface TccParticipant {
  /**
   * The participant's name in the transaction: the `step` every request carries (so the barrier of its
   * three phases shares one scope), the key of its Try result under `$.results`, and part of the
   * state names (`Try Debit`, `Confirm Debit`, `Cancel Debit`).
   */
  readonly name: string;
  readonly participant: ParticipantRef;
  /**
   * The participant's try handler (`tcc.try.<name>` in `defineParticipant`).
   * @default 'try'
   */
  readonly try?: string;
  /**
   * The participant's confirm handler (`tcc.confirm.<name>`).
   * @default 'confirm'
   */
  readonly confirm?: string;
  /**
   * The participant's cancel handler (`tcc.cancel.<name>`).
   * @default 'cancel'
   */
  readonly cancel?: string;
  /**
   * Retry of transient failures of this participant's Try (business errors are never retried;
   * they cancel the transaction).
   * @default - the transaction's `tryRetry`
   */
  readonly tryRetry?: StepRetry;
  /**
   * Task timeout of each attempt of every phase; a timed-out Try is retried, then cancelled.
   * @default - the function's timeout plus 5 seconds when known (a `lambda.Function`), else 900 seconds
   */
  readonly timeout?: Duration;
}

/** Props of the {@link TccTransaction} construct. */
export interface TccTransactionProps {
  /** The participants, tried in parallel; at least one. */
  readonly participants: readonly TccParticipant[];
  /**
   * The transaction's logical name (sent to participants as `sagaName`; also the state machine name).
   * @default - the construct id
   */
  readonly transactionName?: string;
  /**
   * Overall execution timeout (`TimeoutSeconds`). An execution that times out is neither confirmed,
   * cancelled nor parked (reservations then wait for their deadline), so keep it well above the
   * worst-case duration.
   * @default - none
   */
  readonly timeout?: Duration;
  /** @default 'STANDARD' */
  readonly type?: SagaType;
  /** @default 'ALL' */
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
   * Retry of transient failures of every Try, unless a participant sets its own.
   * @default { attempts: 3, interval: 1 s, backoffRate: 2, maxDelay: 20 s, jitter: 'FULL' }
   */
  readonly tryRetry?: StepRetry;
  /**
   * Retry budget of every Confirm (`States.ALL`, except a refusal, which no retry can change); past
   * it the transaction is parked.
   * @default { attempts: 6, interval: 2 s, backoffRate: 2, maxDelay: 60 s, jitter: 'FULL' }
   */
  readonly confirmRetry?: StepRetry;
  /**
   * Retry budget of every Cancel (`States.ALL`); past it the transaction is parked.
   * @default { attempts: 6, interval: 2 s, backoffRate: 2, maxDelay: 60 s, jitter: 'FULL' }
   */
  readonly cancelRetry?: StepRetry;
  /**
   * How long a parked execution waits for an operator's decision (`retry` runs the failed phase
   * again on every participant, `skip` ends as if it had succeeded, `abandon` ends as `SagaParked`;
   * see docs/operations.md). Past it the execution is abandoned. Standard transactions only.
   * @default Duration.days(7) for Standard transactions
   */
  readonly parkedDecisionTimeout?: Duration;
  /**
   * Where parked transactions go (the same `ParkedSagaMessage` a `Saga` sends).
   * @default - a new queue: SSE, TLS enforced, 14-day retention
   */
  readonly parkedQueue?: sqs.IQueue;
}
