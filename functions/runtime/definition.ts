import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { StepHandler, UndoHandler } from './context.js';

/** The phases of a TCC participant: try reserves, confirm makes it final, cancel releases the reservation. */
export interface TccHandlers<I> {
  readonly try: Readonly<Record<string, StepHandler<I>>>;
  readonly confirm: Readonly<Record<string, StepHandler<I>>>;
  readonly cancel: Readonly<Record<string, UndoHandler<I>>>;
}

/** What `defineParticipant` takes: the name, the input schema and the handlers by operation name. */
export interface ParticipantDefinition<I> {
  /** The participant's name, used in logs, metrics and error messages (e.g. `Inventory`). */
  readonly name: string;
  /**
   * Schema of the saga input; an input that fails it is refused with `SagaInvalidRequest` before
   * anything runs. Any synchronous Standard Schema: zod 4 (`zod` or the smaller `zod/mini`),
   * valibot, ArkType.
   */
  readonly input: StandardSchemaV1<unknown, I>;
  /** Saga forward actions by name (`phase: "action"`). */
  readonly actions?: Readonly<Record<string, StepHandler<I>>>;
  /** Saga compensations by name (`phase: "compensation"`); they run only if their action committed. */
  readonly compensations?: Readonly<Record<string, UndoHandler<I>>>;
  /** TCC phases by name (`phase: "try" | "confirm" | "cancel"`). */
  readonly tcc?: TccHandlers<I>;
  /** The participant's own table. @default process.env.STEPSAGA_TABLE_NAME */
  readonly tableName?: string;
  /** Days barrier and outbox items are kept before TTL removes them (>= 7). @default process.env.STEPSAGA_BARRIER_RETENTION_DAYS, else 30 */
  readonly barrierRetentionDays?: number;
  /**
   * Key attribute names of other tables the handlers write, so that two operations on one item are
   * caught before DynamoDB refuses the transaction. @default every table uses `pk` and `sk`
   */
  readonly keyAttributes?: Readonly<Record<string, readonly string[]>>;
  /** Log saga inputs, results and event payloads (they may hold personal data). @default process.env.STEPSAGA_LOG_PAYLOADS === 'true' */
  readonly logPayloads?: boolean;
  /**
   * Keep stack traces in the errors the handler returns to Step Functions (they reach the execution
   * history, parked and outcome messages, and show file paths). @default process.env.STEPSAGA_ERROR_STACK_TRACES === 'true'
   */
  readonly errorStackTraces?: boolean;
  /** A DynamoDB client to use instead of the shared one (tests inject faults this way). @default the module-scope client */
  readonly client?: DynamoDBClient;
}
