import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  TransactionalMessageIdConflictError,
  TransactionalMessageNotFoundError,
  TransactionalMessageStateError,
} from './errors.js';
import { HoldingTable, type MessageItem, toMessageItem } from './message-item.js';
import { decideResolution, type MessageState, type Resolution, type ResolvedBy } from './message-state.js';

/**
 * Every write to the holding table. Each is one conditional single-item write, so the state machine in
 * message-state.ts holds under any concurrency: a producer's commit racing its own check-back, two
 * sweeps claiming one message, a retried relay batch.
 */
export interface HoldingStore {
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly retentionDays: number;
}

const key = (messageId: string) => marshall({ [HoldingTable.partitionKey]: messageId });

function expiresAt(store: HoldingStore, nowMs: number): number {
  return Math.floor(nowMs / 1000) + store.retentionDays * 86_400;
}

/** The old item of a failed condition, when DynamoDB returned it. */
function oldItemOf(error: ConditionalCheckFailedException): MessageItem | undefined {
  return error.Item ? toMessageItem(error.Item) : undefined;
}

/** Names for an update that moves a message out of `prepared`: it expires and leaves the pending index. */
const LEAVING_PREPARED_NAMES = {
  '#state': 'state',
  '#ttl': HoldingTable.ttlAttribute,
  '#shard': HoldingTable.pendingIndexPartitionKey,
  '#next': HoldingTable.pendingIndexSortKey,
} as const;
export async function getMessage(store: HoldingStore, messageId: string): Promise<MessageItem | undefined> {
  const { Item } = await store.dynamo.send(
    new GetItemCommand({ TableName: store.tableName, Key: key(messageId), ConsistentRead: true }),
  );
  return Item ? toMessageItem(Item) : undefined;
}

function sameMessage(a: MessageItem, b: MessageItem): boolean {
  return (
    a.messageType === b.messageType &&
    a.payload === b.payload &&
    a.groupId === b.groupId &&
    a.transactionId === b.transactionId
  );
}

/**
 * Stores a prepared message. A retried prepare of the same message (same id, type, payload, group and
 * transaction id) returns the stored item; a different message under a used id is refused.
 */
export async function putPrepared(store: HoldingStore, item: MessageItem): Promise<MessageItem> {
  try {
    await store.dynamo.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: marshall(item, { removeUndefinedValues: true }),
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': HoldingTable.partitionKey },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return item;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const old = oldItemOf(error) ?? (await getMessage(store, item.messageId));
    if (old && sameMessage(old, item)) return old;
    throw new TransactionalMessageIdConflictError(
      `Message id ${JSON.stringify(item.messageId)} is already used by another message` +
        (old
          ? ` (type ${JSON.stringify(old.messageType)}, prepared at ${old.preparedAt}, state "${old.state}")`
          : '') +
        '. Use a new id per message, or omit `messageId` to get a generated one.',
    );
  }
}

export interface ResolveOutcome {
  readonly messageId: string;
  readonly state: MessageState;
  /** The message was already resolved this way; nothing changed. */
  readonly alreadyResolved: boolean;
}

/**
 * Commits or rolls back a prepared message: one update conditioned on `state = prepared` that also
 * drops the message from the pending index. A message already resolved the same way answers
 * idempotently; one resolved the other way throws {@link TransactionalMessageStateError}.
 */
export async function resolveMessage(
  store: HoldingStore,
  messageId: string,
  resolution: Resolution,
  resolvedBy: ResolvedBy,
  nowMs: number,
): Promise<ResolveOutcome> {
  const target: MessageState = resolution === 'commit' ? 'committed' : 'rolled-back';
  // A check-back's answer is recorded with the resolution it caused, in the same write.
  const answer = resolvedBy === 'check-back' ? (resolution === 'commit' ? 'COMMIT' : 'ROLLBACK') : undefined;
  try {
    await store.dynamo.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key: key(messageId),
        UpdateExpression: answer
          ? 'SET #state = :target, resolvedAt = :at, resolvedBy = :by, #ttl = :ttl, lastCheckAnswer = :answer REMOVE #shard, #next, lastCheckError'
          : 'SET #state = :target, resolvedAt = :at, resolvedBy = :by, #ttl = :ttl REMOVE #shard, #next',
        ConditionExpression: '#state = :prepared',
        ExpressionAttributeNames: LEAVING_PREPARED_NAMES,
        ExpressionAttributeValues: marshall({
          ':target': target,
          ':prepared': 'prepared',
          ':at': new Date(nowMs).toISOString(),
          ':by': resolvedBy,
          ':ttl': expiresAt(store, nowMs),
          ...(answer ? { ':answer': answer } : {}),
        }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { messageId, state: target, alreadyResolved: false };
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const old = oldItemOf(error) ?? (await getMessage(store, messageId));
    if (!old) {
      throw new TransactionalMessageNotFoundError(
        `Cannot ${resolution} message ${JSON.stringify(messageId)}: no such message in table ${store.tableName}. ` +
          'Prepare it first; resolved messages expire after the retention period.',
      );
    }
    const decision = decideResolution(old.state, resolution);
    if (decision.kind === 'already') return { messageId, state: old.state, alreadyResolved: true };
    const reason = decision.kind === 'refused' ? decision.reason : `it is in state "${old.state}"`;
    throw new TransactionalMessageStateError(
      `Cannot ${resolution} message ${JSON.stringify(messageId)}: ${reason}${old.resolvedAt ? ` at ${old.resolvedAt}` : ''}` +
        `${old.resolvedBy ? ` by ${old.resolvedBy}` : ''}.`,
    );
  }
}

/**
 * Claims the due check of a prepared message: counts the check and moves `nextCheckAt` on, under the
 * condition that nobody else did since the index was read. Returns the claimed item (its `checks` is
 * the number of this check), or `undefined` when another sweep or a resolution got there first.
 */
export async function claimCheck(
  store: HoldingStore,
  messageId: string,
  seenNextCheckAt: number,
  nextCheckAtMs: number,
  nowMs: number,
): Promise<MessageItem | undefined> {
  try {
    const { Attributes } = await store.dynamo.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key: key(messageId),
        UpdateExpression: 'SET checks = checks + :one, #next = :next, lastCheckAt = :at',
        ConditionExpression: '#state = :prepared AND #next = :seen',
        ExpressionAttributeNames: { '#state': 'state', '#next': HoldingTable.pendingIndexSortKey },
        ExpressionAttributeValues: marshall({
          ':one': 1,
          ':next': nextCheckAtMs,
          ':seen': seenNextCheckAt,
          ':prepared': 'prepared',
          ':at': new Date(nowMs).toISOString(),
        }),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes ? toMessageItem(Attributes) : undefined;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Records an UNKNOWN answer on a still-prepared message (a resolution meanwhile wins silently). */
export async function recordUnknown(store: HoldingStore, messageId: string, detail: string): Promise<void> {
  try {
    await store.dynamo.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key: key(messageId),
        UpdateExpression: 'SET lastCheckAnswer = :unknown, lastCheckError = :detail',
        ConditionExpression: '#state = :prepared',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: marshall({
          ':unknown': 'UNKNOWN',
          ':detail': detail,
          ':prepared': 'prepared',
        }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Gives up on a prepared message: `dead-lettered` with the reason. The stream relay then sends it to
 * the dead-letter queue, so the move is as reliable as a commit's delivery.
 */
export async function deadLetter(
  store: HoldingStore,
  messageId: string,
  reason: string,
  lastCheckError: string,
  nowMs: number,
): Promise<boolean> {
  try {
    await store.dynamo.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key: key(messageId),
        UpdateExpression:
          'SET #state = :dead, deadLetterReason = :reason, lastCheckAnswer = :unknown, lastCheckError = :error, resolvedAt = :at, resolvedBy = :by, #ttl = :ttl REMOVE #shard, #next',
        ConditionExpression: '#state = :prepared',
        ExpressionAttributeNames: LEAVING_PREPARED_NAMES,
        ExpressionAttributeValues: marshall({
          ':dead': 'dead-lettered',
          ':reason': reason,
          ':unknown': 'UNKNOWN',
          ':error': lastCheckError,
          ':at': new Date(nowMs).toISOString(),
          ':by': 'check-budget',
          ':ttl': expiresAt(store, nowMs),
          ':prepared': 'prepared',
        }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Marks a committed message as sent to the target queue (a duplicate send finds it delivered already). */
export async function markDelivered(
  store: Pick<HoldingStore, 'dynamo' | 'tableName'>,
  messageId: string,
  nowMs: number,
): Promise<void> {
  try {
    await store.dynamo.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key: key(messageId),
        UpdateExpression: 'SET #state = :delivered, deliveredAt = :at',
        ConditionExpression: '#state = :committed',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: marshall({
          ':delivered': 'delivered',
          ':committed': 'committed',
          ':at': new Date(nowMs).toISOString(),
        }),
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}
