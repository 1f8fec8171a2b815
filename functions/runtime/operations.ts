import type { NativeAttributeValue } from '@aws-sdk/util-dynamodb';

/** An item or key in plain JavaScript values; the runtime marshals it. */
export type Item = Record<string, NativeAttributeValue>;
/** A key in plain JavaScript values; the runtime marshals it. */
export type Key = Record<string, NativeAttributeValue>;

/** Options every staged write shares. Expressions use DynamoDB's own syntax, values are plain JS. */
export interface WriteOptions {
  /** Table to write; any table the function may write. @default the participant's own table */
  readonly table?: string;
  /** A DynamoDB ConditionExpression; the whole transaction fails if it is false. */
  readonly condition?: string;
  /** ExpressionAttributeNames, e.g. `{ '#status': 'status' }`. */
  readonly names?: Readonly<Record<string, string>>;
  /** ExpressionAttributeValues in plain JS, e.g. `{ ':qty': 3 }`. */
  readonly values?: Readonly<Record<string, NativeAttributeValue>>;
  /**
   * Names the condition: when it fails, the step fails with a `SagaBusinessError` whose `code` is
   * this name (e.g. `INSUFFICIENT_STOCK`). @default `CONDITION_FAILED`
   */
  readonly conditionName?: string;
  /**
   * Builds the error for a failed condition from the item as it was (undefined if it does not exist),
   * e.g. to tell "unknown SKU" from "not enough stock". Return a `BusinessError` for business rules.
   */
  readonly onConditionFailed?: (current: Item | undefined) => Error;
}

export interface PutOperation extends WriteOptions {
  readonly item: Item;
}

export interface UpdateOperation extends WriteOptions {
  readonly key: Key;
  /** A DynamoDB UpdateExpression, e.g. `SET available = available - :qty`. */
  readonly update: string;
}

export interface DeleteOperation extends WriteOptions {
  readonly key: Key;
}

export interface ConditionCheckOperation extends WriteOptions {
  readonly key: Key;
  readonly condition: string;
}

/** Options of `emit`. */
export interface EmitOptions {
  /** Ordering key for FIFO destinations (becomes the SQS MessageGroupId). */
  readonly groupId?: string;
}
