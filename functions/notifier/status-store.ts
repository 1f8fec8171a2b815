import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** The status table's partition key (a string); the table also has TTL on `expiresAt`. */
export const STATUS_KEY = 'notificationId';
export const STATUS_TTL_ATTRIBUTE = 'expiresAt';

/**
 * - `pending`: published, no attempt yet;
 * - `failed-attempt`: the last attempt failed, another is scheduled at `nextAttemptAt`;
 * - `delivered`: the target accepted it (final);
 * - `dead-lettered`: the last allowed attempt failed; SQS moves the message to the DLQ.
 */
export type NotificationState = 'pending' | 'failed-attempt' | 'delivered' | 'dead-lettered';

/** The recorded delivery state of one notification, as `getNotificationStatus` returns it. */
export interface NotificationStatus {
  readonly notificationId: string;
  readonly state: NotificationState;
  /** Delivery attempts so far, across redrives. */
  readonly attempts: number;
  readonly lastError?: string;
  readonly lastAttemptAt?: string;
  readonly nextAttemptAt?: string;
  readonly deliveredAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface StatusStore {
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  /** @default 30 */
  readonly retentionDays?: number;
}

export interface AttemptFailure {
  readonly error: string;
  /** Set while another attempt is scheduled; absent when the message is dead-lettered. */
  readonly nextAttemptAt?: Date;
}

function expiresAt(store: StatusStore, now: Date): number {
  return Math.floor(now.getTime() / 1000) + (store.retentionDays ?? 30) * 86_400;
}

/** The current status of a notification, or `undefined` if the store has never seen it. */
export async function getNotificationStatus(
  notificationId: string,
  store: StatusStore,
): Promise<NotificationStatus | undefined> {
  const { Item } = await store.dynamo.send(
    new GetItemCommand({
      TableName: store.tableName,
      Key: marshall({ [STATUS_KEY]: notificationId }),
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const { expiresAt: _ttl, ...status } = unmarshall(Item);
  return status as NotificationStatus;
}

/** Records a published notification; an existing status (a republished id) is left as it is. */
export async function recordPending(
  notificationId: string,
  store: StatusStore,
  now = new Date(),
): Promise<void> {
  const at = now.toISOString();
  try {
    await store.dynamo.send(
      new PutItemCommand({
        TableName: store.tableName,
        Item: marshall({
          [STATUS_KEY]: notificationId,
          state: 'pending',
          attempts: 0,
          createdAt: at,
          updatedAt: at,
          [STATUS_TTL_ATTRIBUTE]: expiresAt(store, now),
        }),
        ConditionExpression: 'attribute_not_exists(#id)',
        ExpressionAttributeNames: { '#id': STATUS_KEY },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

async function recordAttempt(
  notificationId: string,
  store: StatusStore,
  state: Exclude<NotificationState, 'pending'>,
  now: Date,
  fields: Record<string, string>,
  remove: string[],
): Promise<void> {
  const at = now.toISOString();
  const names: Record<string, string> = { '#state': 'state', '#ttl': STATUS_TTL_ATTRIBUTE };
  const values: Record<string, unknown> = {
    ':state': state,
    ':delivered': 'delivered',
    ':zero': 0,
    ':one': 1,
    ':at': at,
    ':ttl': expiresAt(store, now),
  };
  const sets = [
    '#state = :state',
    'attempts = if_not_exists(attempts, :zero) + :one',
    'lastAttemptAt = :at',
    'updatedAt = :at',
    'createdAt = if_not_exists(createdAt, :at)',
    '#ttl = :ttl',
  ];
  for (const [name, value] of Object.entries(fields)) {
    names[`#${name}`] = name;
    values[`:${name}`] = value;
    sets.push(`#${name} = :${name}`);
  }
  try {
    await store.dynamo.send(
      new UpdateItemCommand({
        TableName: store.tableName,
        Key: marshall({ [STATUS_KEY]: notificationId }),
        UpdateExpression: `SET ${sets.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
        // A late failure report (a duplicate message) must not turn a delivered notification back.
        ConditionExpression: 'attribute_not_exists(#state) OR #state <> :delivered',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values),
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

export function recordDelivered(notificationId: string, store: StatusStore, now = new Date()): Promise<void> {
  return recordAttempt(notificationId, store, 'delivered', now, { deliveredAt: now.toISOString() }, [
    'nextAttemptAt',
  ]);
}

export function recordFailure(
  notificationId: string,
  store: StatusStore,
  failure: AttemptFailure,
  now = new Date(),
): Promise<void> {
  if (failure.nextAttemptAt) {
    return recordAttempt(
      notificationId,
      store,
      'failed-attempt',
      now,
      { lastError: failure.error, nextAttemptAt: failure.nextAttemptAt.toISOString() },
      [],
    );
  }
  return recordAttempt(notificationId, store, 'dead-lettered', now, { lastError: failure.error }, [
    'nextAttemptAt',
  ]);
}
