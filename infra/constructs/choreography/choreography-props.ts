import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { TrackedEvent } from '../../../functions/choreography/tracked-events.js';

/**
 * A service taking part in a choreography: the function that consumes its queue (built with
 * `defineChoreographyParticipant`) and the table whose outbox carries the events it emits.
 * The `Participant` construct is one.
 */
export interface ChoreographyMember {
  readonly function: lambda.IFunction;
  /** Participant key layout, stream with new images (a `Participant`'s own table has both). */
  readonly table: dynamodb.ITable;
  readonly participantName?: string;
}

/** What an emitted event means for the saga tracker: the step it reports on, and whether it ends the saga. */
export type ChoreographyEvent = TrackedEvent;

/** One member of a choreography with the events it consumes and emits. */
export interface ChoreographyParticipant {
  readonly member: ChoreographyMember;
  /**
   * Name of the participant's queue and router (letters and digits).
   * @default - the member's `participantName`
   */
  readonly name?: string;
  /**
   * Event types this participant reacts to (the keys of its handler's `reactions`). Each must be
   * emitted by a participant of the choreography. An empty list creates no queue.
   * @default []
   */
  readonly consumes?: readonly string[];
  /**
   * Event types this participant's outbox emits, each with its meaning for the tracker. Each type
   * has one producer. None: no router reads this participant's table.
   * @default {}
   */
  readonly emits?: Readonly<Record<string, ChoreographyEvent>>;
}

/** Props of the {@link Choreography} construct. */
export interface ChoreographyProps {
  /** The participants; no coordinator: each reacts to the events it consumes. */
  readonly participants: readonly ChoreographyParticipant[];
  /**
   * The saga's name, for descriptions and alarms; participants' barriers are keyed by it, so it
   * cannot contain `#`. Start the choreography with it as the request's `sagaName`.
   * @default - the construct id
   */
  readonly sagaName?: string;
  /**
   * Keep a read model of each saga (steps done, failed, compensated; the outcome) in a table fed by
   * every emitted event; query it with `getChoreographyState`.
   * @default true
   */
  readonly tracker?: boolean;
  /** Deliveries of one event to a consumer before it moves to that consumer's dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Events per consumer invocation (1–10). @default 10 */
  readonly batchSize?: number;
  /**
   * Visibility timeout of the consumer queues; at least 6 × the consumer's timeout.
   * @default - 6 × the consumer function's timeout (a `lambda.Function`), else 6 × 30 s
   */
  readonly visibilityTimeout?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly trackerRemovalPolicy?: RemovalPolicy;
  /** Log retention of the router and tracker functions. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}
