import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { MessageState, ResolvedBy } from './message-state.js';

/**
 * The holding table: one item per prepared message, keyed by `messageId`.
 *
 * While a message is `prepared` it also carries `pendingShard` and `nextCheckAt`, the keys of the
 * sparse `pending` index the sweeper queries for due check-backs; resolving a message removes both,
 * which drops it from the index.
 */
export const HoldingTable = {
  partitionKey: 'messageId',
  pendingIndex: 'pending',
  pendingIndexPartitionKey: 'pendingShard',
  pendingIndexSortKey: 'nextCheckAt',
  ttlAttribute: 'expiresAt',
} as const;

export interface MessageItem {
  readonly messageId: string;
  readonly state: MessageState;
  readonly messageType: string;
  /** The payload, serialised as JSON. */
  readonly payload: string;
  /** FIFO ordering scope of the target queue. */
  readonly groupId?: string;
  /** The producer's own transaction id; the check-back receives it. */
  readonly transactionId: string;
  /** ISO-8601. */
  readonly preparedAt: string;
  /** Check-backs started so far. */
  readonly checks: number;
  /** Epoch milliseconds; present while `prepared`. */
  readonly nextCheckAt?: number;
  readonly pendingShard?: string;
  readonly lastCheckAt?: string;
  /** The last check-back answer: COMMIT, ROLLBACK or UNKNOWN. */
  readonly lastCheckAnswer?: string;
  /** Why the last check-back was UNKNOWN (the producer's detail, an HTTP status, a network error). */
  readonly lastCheckError?: string;
  readonly resolvedAt?: string;
  readonly resolvedBy?: ResolvedBy;
  readonly deliveredAt?: string;
  readonly deadLetterReason?: string;
  /** Epoch seconds; set when the message leaves `prepared`, so unresolved messages never expire. */
  readonly expiresAt?: number;
}

export function toMessageItem(item: Record<string, AttributeValue>): MessageItem {
  return unmarshall(item) as MessageItem;
}
