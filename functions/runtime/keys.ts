import type { Phase } from './contract.js';

/** The attribute names every participant table uses for its key and TTL (see docs/architecture.md). */
export const PARTITION_KEY = 'pk';
/** The sort key attribute of every participant table. */
export const SORT_KEY = 'sk';
/** The TTL attribute of every participant table (epoch seconds). */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Partition key prefix of barrier items: `BARRIER#<sagaName>#<sagaId>`. */
export const BARRIER_PREFIX = 'BARRIER#';
/** Partition key prefix of outbox items: `OUTBOX#<eventId>`. */
export const OUTBOX_PREFIX = 'OUTBOX#';
/** Sort key of every outbox item. */
export const OUTBOX_SORT_KEY = 'OUTBOX';

/** The key of an item in a participant table. */
export interface TableKey {
  readonly pk: string;
  readonly sk: string;
}

/**
 * The barrier of one phase of one step of one saga instance. A saga instance is the saga's name
 * (its state machine's name) and its execution name together: Step Functions keeps execution names
 * unique per state machine only, so two sagas started with one business id (an order id for
 * PlaceOrder and for ReturnOrder) are two instances. The saga name cannot contain `#` (state
 * machine names cannot; the runtime refuses it), so the key reads back unambiguously.
 */
export function barrierKey(sagaName: string, sagaId: string, step: string, phase: Phase): TableKey {
  return { pk: `${BARRIER_PREFIX}${sagaName}#${sagaId}`, sk: `${step}#${phase}` };
}

export function outboxKey(eventId: string): TableKey {
  return { pk: `${OUTBOX_PREFIX}${eventId}`, sk: OUTBOX_SORT_KEY };
}

/**
 * A canonical identity of an item, used to detect two operations on the same item before DynamoDB
 * rejects the whole transaction. Attribute order must not matter, so the key is sorted.
 */
export function itemIdentity(table: string, key: object): string {
  const sorted = Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${table}\u0000${JSON.stringify(sorted)}`;
}
