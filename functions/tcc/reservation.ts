import type { PhaseContext, StepContext } from '../runtime/context.js';
import { ActionRefusedError, BusinessError } from '../runtime/errors.js';
import { TTL_ATTRIBUTE } from '../runtime/keys.js';
import type { Item } from '../runtime/operations.js';

/**
 * A reservation marker: written by a Try in the same transaction as its business writes, settled by
 * its Confirm or Cancel in theirs. While it is pending it sits in a sparse index ordered by its
 * deadline, where the reservation sweeper finds the ones nobody confirmed or cancelled in time.
 */
export const RESERVATION_ITEM_TYPE = 'tcc-reservation';
export const RESERVATION_PREFIX = 'RESERVATION#';
/** The sparse GSI: partition key {@link PENDING_ATTRIBUTE}, sort key {@link DEADLINE_ATTRIBUTE}. */
export const RESERVATION_INDEX = 'pendingReservationsByDeadline';
/** Present only while the reservation is pending, so settled markers leave the index. */
export const PENDING_ATTRIBUTE = 'pendingShard';
export const PENDING_SHARD = 'PENDING';
/** Epoch seconds after which the reservation may be cancelled automatically. */
export const DEADLINE_ATTRIBUTE = 'deadlineAt';

/** Markers outlive their deadline by this much before TTL removes them, like barrier items. */
const MARKER_RETENTION_SECONDS = 30 * 86_400;

export type ReservationStatus = 'pending' | 'confirmed' | 'cancelled';

export interface ReservationRecord {
  readonly pk: string;
  readonly sk: string;
  readonly itemType: typeof RESERVATION_ITEM_TYPE;
  readonly status: ReservationStatus;
  readonly sagaId: string;
  readonly sagaName: string;
  readonly step: string;
  /** The cancel handler the sweeper asks for (`tcc.cancel.<name>`). */
  readonly cancelAction: string;
  /** The transaction input as JSON, replayed to the cancel handler. */
  readonly input: string;
  readonly deadlineAt: number;
  readonly heldAt: string;
  readonly settledAt?: string;
}

/** Keyed like the barrier: one transaction instance is its name and its execution name together. */
export function reservationKey(sagaName: string, sagaId: string, step: string): { pk: string; sk: string } {
  return { pk: `${RESERVATION_PREFIX}${sagaName}#${sagaId}`, sk: step };
}

/** Options of a TCC reservation hold: its deadline and the cancel handler the sweeper calls. */
export interface HoldOptions {
  /** Seconds from now after which the sweeper cancels the reservation if it is still pending. */
  readonly deadlineSeconds: number;
  /** The participant's cancel handler for this reservation, e.g. `release`. */
  readonly cancelAction: string;
  /** The clock; tests pass a fixed one. @default () => new Date() */
  readonly now?: () => Date;
}

/**
 * Stages the reservation marker of this Try. Call it from a `tcc.try` handler: the marker commits
 * with the Try's writes and barrier, so a reservation exists exactly when the Try committed.
 */
export function holdReservation<I>(context: StepContext<I>, options: HoldOptions): void {
  if (context.phase !== 'try') {
    throw new TypeError(`holdReservation() belongs in a try handler; it was called in ${context.phase}.`);
  }
  if (!Number.isInteger(options.deadlineSeconds) || options.deadlineSeconds < 1) {
    throw new RangeError(
      `holdReservation(): deadlineSeconds must be a whole number of at least 1 (got ${options.deadlineSeconds}). Use a deadline well above the transaction's worst-case time from Try to Confirm.`,
    );
  }
  const now = (options.now ?? (() => new Date()))();
  // Whole seconds, rounded up: rounding down would let the sweeper cancel a hold up to a second
  // before the deadline its participant declared.
  const deadlineAt = Math.ceil(now.getTime() / 1000) + options.deadlineSeconds;
  const record: ReservationRecord & Item = {
    ...reservationKey(context.sagaName, context.sagaId, context.step),
    itemType: RESERVATION_ITEM_TYPE,
    status: 'pending',
    sagaId: context.sagaId,
    sagaName: context.sagaName,
    step: context.step,
    cancelAction: options.cancelAction,
    input: JSON.stringify(context.request.input),
    deadlineAt,
    heldAt: now.toISOString(),
    [PENDING_ATTRIBUTE]: PENDING_SHARD,
    [TTL_ATTRIBUTE]: deadlineAt + MARKER_RETENTION_SECONDS,
  };
  context.put({ item: record, condition: 'attribute_not_exists(pk)', conditionName: 'RESERVATION_EXISTS' });
}

/**
 * Settles this Try's reservation from a `tcc.confirm` or `tcc.cancel` handler, in the same
 * transaction as the handler's writes. Confirm and Cancel exclude each other through the marker,
 * which the barrier alone does not do (it only orders each of them after the Try):
 * - a Confirm of a reservation the sweeper cancelled is refused (`SagaActionRefused`), so the
 *   coordinator parks at once instead of settling money that was released;
 * - a Cancel of a confirmed reservation fails with `SagaBusinessError` (`RESERVATION_CONFIRMED`),
 *   so a late sweep never undoes a confirmed transfer;
 * - when both race, the conditional update lets exactly one commit.
 * A Try that did not call {@link holdReservation} has no marker; then nothing is staged.
 */
export async function settleReservation<I>(
  context: PhaseContext<I>,
  now: Date = new Date(),
): Promise<ReservationRecord | undefined> {
  const outcome = statusOf(context.phase);
  const key = reservationKey(context.sagaName, context.sagaId, context.step);
  const marker = (await context.get(key)) as ReservationRecord | undefined;
  if (!marker) return undefined;
  if (marker.status !== 'pending') throw conflict(context, marker, outcome);
  context.update({
    key,
    update: `SET #status = :outcome, settledAt = :now REMOVE ${PENDING_ATTRIBUTE}`,
    condition: '#status = :pending',
    names: { '#status': 'status' },
    values: { ':outcome': outcome, ':now': now.toISOString(), ':pending': 'pending' },
    onConditionFailed: (current) =>
      current ? conflict(context, current as ReservationRecord, outcome) : missing(context),
  });
  return marker;
}

function statusOf(phase: string): 'confirmed' | 'cancelled' {
  if (phase === 'confirm') return 'confirmed';
  if (phase === 'cancel') return 'cancelled';
  throw new TypeError(
    `settleReservation() belongs in a confirm or cancel handler; it was called in ${phase}.`,
  );
}

function describe<I>(context: PhaseContext<I>): string {
  return `The reservation of step ${context.step} in transaction ${context.sagaId}`;
}

function missing<I>(context: PhaseContext<I>): Error {
  return new BusinessError(
    `${describe(context)} disappeared while it was being settled.`,
    'RESERVATION_MISSING',
  );
}

function conflict<I>(context: PhaseContext<I>, marker: ReservationRecord, outcome: ReservationStatus): Error {
  if (marker.status === outcome) {
    // A redelivery: the runtime reads the barrier on a business error and returns the first result.
    return new BusinessError(`${describe(context)} is already ${outcome}.`, 'RESERVATION_SETTLED');
  }
  if (marker.status === 'cancelled') {
    return new ActionRefusedError(
      `${describe(context)} was cancelled at ${marker.settledAt ?? 'an unknown time'} (deadline ${new Date(marker.deadlineAt * 1000).toISOString()}), so it cannot be confirmed. Cancel the other participants, or let an operator settle the transaction.`,
    );
  }
  return new BusinessError(
    `${describe(context)} was confirmed at ${marker.settledAt ?? 'an unknown time'}; a cancel cannot undo it.`,
    'RESERVATION_CONFIRMED',
  );
}
