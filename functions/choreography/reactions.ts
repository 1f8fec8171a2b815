import type { OutboxEnvelope } from '../relay/envelope.js';

/**
 * Run a participant action when an event arrives, e.g. `OrderPlaced` → Inventory `reserve`.
 * The barrier is keyed by (saga id, `step`, action phase), so a redelivered event runs it once.
 */
export interface ActionReaction {
  readonly step: string;
  readonly action: string;
  /**
   * The event announcing that the action refused (threw a `BusinessError`), e.g. `PaymentFailed`.
   * No coordinator catches a refusal in a choreography, so the consumer commits it as the step's
   * outcome: the barrier (status `committed`, result `{ refused }`) and this outbox event in one
   * transaction. Without it a refusal fails the message, which retries and then dead-letters.
   * @default - none
   */
  readonly refusedEvent?: string;
}

/**
 * Run a participant compensation when an event arrives, e.g. `PaymentFailed` → Inventory `release`.
 * If the step's action never ran, the barrier records an empty compensation, changes nothing,
 * and refuses the action should it arrive later.
 */
export interface CompensationReaction {
  readonly step: string;
  readonly compensation: string;
}

/** What a choreography participant does on one event type: run an action, or a compensation. */
export type Reaction = ActionReaction | CompensationReaction;

/** What a participant does per event type it consumes. */
export type Reactions = Readonly<Record<string, Reaction>>;

/** What happened to one event. */
export type ReactionOutcome =
  /** The action or compensation ran (or a redelivery returned its first result). */
  | 'applied'
  /** The action refused and `refusedEvent` was committed (or had been already). */
  | 'refusal-announced'
  /** The action arrived after its compensation: refused for good, nothing changed. */
  | 'late-action-refused'
  /** No reaction is declared for the event type. */
  | 'ignored';

/** The participant input built from an event. */
export type InputOf = (event: OutboxEnvelope) => unknown;

export function isCompensation(reaction: Reaction): reaction is CompensationReaction {
  return 'compensation' in reaction;
}
