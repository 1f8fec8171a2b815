import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  type ConditionCheckOperation,
  type DeleteOperation,
  MAX_TRANSACTION_ITEMS,
  type PutOperation,
  type UpdateOperation,
  type WriteOptions,
} from '../runtime/index.js';
import { InboxLimitError } from './errors.js';

const MARSHALL_OPTIONS = { removeUndefinedValues: true } as const;

/**
 * The writes an inbox handler stages for one event. They commit together with the inbox record, in
 * one TransactWriteItems, or not at all. The operation shapes are the participant runtime's.
 */
export class InboxTransaction {
  readonly items: TransactWriteItem[] = [];

  constructor(private readonly ownTable: string) {}

  put(op: PutOperation): void {
    this.items.push({ Put: { ...this.common(op), Item: marshall(op.item, MARSHALL_OPTIONS) } });
  }

  update(op: UpdateOperation): void {
    this.items.push({
      Update: { ...this.common(op), Key: marshall(op.key, MARSHALL_OPTIONS), UpdateExpression: op.update },
    });
  }

  delete(op: DeleteOperation): void {
    this.items.push({ Delete: { ...this.common(op), Key: marshall(op.key, MARSHALL_OPTIONS) } });
  }

  conditionCheck(op: ConditionCheckOperation): void {
    this.items.push({
      ConditionCheck: {
        ...this.common(op),
        Key: marshall(op.key, MARSHALL_OPTIONS),
        ConditionExpression: op.condition,
      },
    });
  }

  /** The staged writes, checked against the transaction limit (one slot is the inbox record's). */
  writes(eventId: string): TransactWriteItem[] {
    if (this.items.length + 1 > MAX_TRANSACTION_ITEMS) {
      throw new InboxLimitError(
        `Event ${eventId} staged ${this.items.length} writes; with the inbox record that exceeds DynamoDB's ${MAX_TRANSACTION_ITEMS} items per transaction. Stage at most ${MAX_TRANSACTION_ITEMS - 1} writes per event.`,
      );
    }
    return this.items;
  }

  private common(op: WriteOptions): {
    TableName: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
  } {
    return {
      TableName: op.table ?? this.ownTable,
      ...(op.condition ? { ConditionExpression: op.condition } : {}),
      ...(op.names ? { ExpressionAttributeNames: { ...op.names } } : {}),
      ...(op.values ? { ExpressionAttributeValues: marshall({ ...op.values }, MARSHALL_OPTIONS) } : {}),
    };
  }
}
