/**
 * The life of a transactional message in the holding table.
 *
 * ```
 * prepared ──commit──────────▶ committed ──relay sent it──▶ delivered
 *    │  └──check-back COMMIT──▶ committed
 *    ├──rollback / check-back ROLLBACK──▶ rolled-back
 *    └──check budget exhausted──────────▶ dead-lettered
 * ```
 * Only `prepared` moves; every other state is final (`committed` only moves on to `delivered`).
 */
export type MessageState = 'prepared' | 'committed' | 'delivered' | 'rolled-back' | 'dead-lettered';

export const MESSAGE_STATES: readonly MessageState[] = [
  'prepared',
  'committed',
  'delivered',
  'rolled-back',
  'dead-lettered',
];

/** What the producer (or its check-back) asks for. */
export type Resolution = 'commit' | 'rollback';

/** Who resolved a message: the producer's own call, its check-back answer, or the exhausted check budget. */
export type ResolvedBy = 'producer' | 'check-back' | 'check-budget';

export type ResolutionDecision =
  /** The message is still prepared: apply the resolution. */
  | { readonly kind: 'apply' }
  /** The same resolution already happened: answer as if it happened now (idempotent). */
  | { readonly kind: 'already'; readonly state: MessageState }
  /** The message went the other way (or was dead-lettered); refuse with the reason. */
  | { readonly kind: 'refused'; readonly reason: string };

const RESOLVED_AS: Record<Resolution, readonly MessageState[]> = {
  commit: ['committed', 'delivered'],
  rollback: ['rolled-back'],
};

/** Decides what a commit or rollback does to a message in `current` state. */
export function decideResolution(current: MessageState, requested: Resolution): ResolutionDecision {
  if (current === 'prepared') return { kind: 'apply' };
  if (RESOLVED_AS[requested].includes(current)) return { kind: 'already', state: current };
  if (current === 'dead-lettered') {
    return {
      kind: 'refused',
      reason:
        'its check-backs were exhausted and it was dead-lettered; resolve it from the dead-letter queue',
    };
  }
  return {
    kind: 'refused',
    reason: current === 'rolled-back' ? 'it was rolled back' : `it was committed (state "${current}")`,
  };
}

/** The stream transitions the relay acts on: a prepared message that became committed or dead-lettered. */
export function isRelayedTransition(oldState: string | undefined, newState: string | undefined): boolean {
  return oldState === 'prepared' && (newState === 'committed' || newState === 'dead-lettered');
}
