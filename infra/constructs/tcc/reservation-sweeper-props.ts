import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';

/** The participant whose reservations are swept: its function (which runs the cancel) and its table. */
export interface SweptParticipant {
  readonly function: lambda.IFunction;
  readonly table: dynamodb.ITable;
}

/** Props of the {@link ReservationSweeper} construct. */
export interface ReservationSweeperProps {
  /** A TCC participant whose try handlers call `holdReservation()` (the `Participant` construct fits). */
  readonly participant: SweptParticipant;
  /**
   * How often to look for reservations past their deadline. A reservation is cancelled at most this
   * long after its deadline.
   * @default Duration.minutes(5)
   */
  readonly every?: Duration;
  /**
   * Most reservations one sweep cancels; the rest wait for the next sweep.
   * @default 200
   */
  readonly limit?: number;
  /** @default Duration.minutes(2) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}
