import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as logs from 'aws-cdk-lib/aws-logs';

/** Props of the {@link Participant} construct. */
export interface ParticipantProps {
  /** The handler file, built with the participant runtime (absolute path, or relative to the working directory). */
  readonly entry: string;
  /**
   * The saga actions the handler defines (the keys of `actions` in `defineParticipant`). When given,
   * a saga step naming an action the participant does not have fails synth.
   * @default - not declared: steps are not checked against the handler
   */
  readonly actions?: readonly string[];
  /**
   * The saga compensations the handler defines (the keys of `compensations` in `defineParticipant`).
   * When given, a step's compensation is checked against them at synth.
   * @default - not declared: compensations are not checked
   */
  readonly compensations?: readonly string[];
  /**
   * The TCC handlers the handler defines (`tcc.try`, `tcc.confirm`, `tcc.cancel` in
   * `defineParticipant`), checked against `TccTransaction` participants at synth.
   * @default - not declared: TCC phases are not checked
   */
  readonly tcc?: {
    readonly try: readonly string[];
    readonly confirm: readonly string[];
    readonly cancel: readonly string[];
  };
  /**
   * Bundle the AWS SDK v3 into the handler instead of using the one the Node.js Lambda runtime
   * provides: pins the SDK version, at about 300 KiB more bundle and a slower cold start.
   * @default false
   */
  readonly bundleAwsSdk?: boolean;
  /**
   * The exported handler.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * The participant's name, used as POWERTOOLS_SERVICE_NAME.
   * @default - the construct id
   */
  readonly participantName?: string;
  /** @default lambda.Runtime.NODEJS_22_X */
  readonly runtime?: lambda.Runtime;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default 'INFO' */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * Days barrier items live before TTL removes them; at least 7, because a compensation may arrive
   * days after its action (a parked saga) and must still find the barrier.
   * @default 30
   */
  readonly barrierRetentionDays?: number;
  /**
   * An existing table for barrier, outbox and business items: string `pk`/`sk`, a NEW_IMAGE stream,
   * TTL on `expiresAt`. Checked where the construct can see its definition.
   * @default - a new TableV2 with those settings, PITR, on-demand billing, AWS-managed encryption
   */
  readonly table?: dynamodb.ITable;
  /**
   * Of the table this construct creates.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Other tables the handler reads and writes in its transaction (same item actions as its own table).
   * @default - none
   */
  readonly extraTables?: readonly dynamodb.ITable[];
  /**
   * Keep stack traces in the errors the participant returns to its saga. They reach the execution
   * history, `$.errors`, and parked and outcome messages, and show the bundle's file paths, so they
   * are off; the function's own log keeps them either way.
   * @default false
   */
  readonly errorStackTraces?: boolean;
  /**
   * More environment variables for the handler.
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
}
