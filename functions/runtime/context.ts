import type { Logger } from '@aws-lambda-powertools/logger';
import type { ParticipantRequest, Phase } from './contract.js';
import type {
  ConditionCheckOperation,
  DeleteOperation,
  EmitOptions,
  Item,
  Key,
  PutOperation,
  UpdateOperation,
} from './operations.js';

/**
 * What every phase handler sees. Reads happen immediately (consistent); writes and events are staged
 * and committed together with the step's barrier in one DynamoDB transaction after the handler
 * returns, so either all of them happen exactly once or none does.
 */
export interface PhaseContext<I> {
  /** The invocation as the state machine sent it (`request.input` is the raw saga input). */
  readonly request: ParticipantRequest;
  /** The saga input, parsed by the participant's schema. */
  readonly input: I;
  /** Results of the saga's completed forward steps, keyed by step name. */
  readonly results: Readonly<Record<string, unknown>>;
  readonly sagaId: string;
  readonly sagaName: string;
  readonly step: string;
  readonly phase: Phase;
  /** The participant's own table (barrier and outbox items live there too). */
  readonly tableName: string;
  /** Powertools logger carrying sagaId, step, phase and action. */
  readonly logger: Logger;

  /** Consistent read of one item from the participant's table. */
  get(key: Key): Promise<Item | undefined>;
  /** Consistent read of one item from another table. */
  get(table: string, key: Key): Promise<Item | undefined>;

  /** Stages a put of a whole item; it commits with the barrier when the handler returns. */
  put(operation: PutOperation): void;
  /** Stages an update expression on one item. */
  update(operation: UpdateOperation): void;
  /** Stages the deletion of one item. */
  delete(operation: DeleteOperation): void;
  /** Stages a condition on an item the transaction does not write; the phase fails if it does not hold. */
  conditionCheck(operation: ConditionCheckOperation): void;
  /** Stages an outbox event; returns its event id (a ULID). */
  emit(eventType: string, payload: unknown, options?: EmitOptions): string;
}

/** What an action, try or confirm handler sees. */
export interface StepContext<I> extends PhaseContext<I> {
  /** The name of the handler being run, e.g. `reserve`. */
  readonly action: string;
}

/** The forward phase (action or try) an undo phase reverses, as its barrier recorded it. */
export interface RecordedAction<I> {
  /** The action's (or try's) name, e.g. `reserve`. */
  readonly name: string;
  /** The saga input the action ran with, parsed by the participant's schema. */
  readonly input: I;
  /** The result the action returned. */
  readonly result: unknown;
  readonly committedAt: string;
}

/**
 * What a compensation or cancel handler sees; it only runs when its action (or try) committed.
 * `action` is that action as its barrier recorded it: undo what it says, not what this request's
 * `input` says, which is only the saga's view and may differ from what the action did.
 */
export interface UndoContext<I> extends PhaseContext<I> {
  readonly action: RecordedAction<I>;
}

/** A forward handler (action, try or confirm): stages writes and events on the context and returns the result. */
export type StepHandler<I> = (context: StepContext<I>) => unknown;
/** An undo handler (compensation or cancel): gets the forward phase it undoes as `forward`. */
export type UndoHandler<I> = (context: UndoContext<I>) => unknown;
