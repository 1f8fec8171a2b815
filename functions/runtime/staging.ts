import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { InvalidRequestError } from './errors.js';
import { itemIdentity, PARTITION_KEY, SORT_KEY } from './keys.js';
import { checkEventPayload } from './limits.js';
import type {
  ConditionCheckOperation,
  DeleteOperation,
  EmitOptions,
  Item,
  Key,
  PutOperation,
  UpdateOperation,
  WriteOptions,
} from './operations.js';
import { newEventId, type OutboxEvent } from './outbox.js';

const MARSHALL_OPTIONS = { removeUndefinedValues: true } as const;

/** A staged user write, with what the error mapping needs to explain a failed condition. */
export interface StagedWrite {
  readonly item: TransactWriteItem;
  readonly description: string;
  readonly identity: string | undefined;
  readonly condition: string | undefined;
  readonly conditionName: string | undefined;
  readonly onConditionFailed: WriteOptions['onConditionFailed'];
}

/**
 * Collects a handler's writes and events. Nothing reaches DynamoDB until the runtime commits the
 * stage together with the barrier; a handler that throws leaves no trace.
 */
export class WriteStage {
  readonly writes: StagedWrite[] = [];
  readonly events: OutboxEvent[] = [];
  private sealed = false;

  constructor(
    private readonly ownTable: string,
    /** Key attribute names per table; tables not listed use the participant layout (pk, sk). */
    private readonly keyAttributes: Readonly<Record<string, readonly string[]>>,
    private readonly now: () => Date,
  ) {}

  put(op: PutOperation): void {
    const table = op.table ?? this.ownTable;
    const key = this.keyOf(table, op.item);
    this.stage(
      'Put',
      table,
      key,
      op,
      (common) => ({ Put: { ...common, Item: marshall(op.item, MARSHALL_OPTIONS) } }),
      op.item,
    );
  }

  update(op: UpdateOperation): void {
    requireText('update', op.update, 'an UpdateExpression such as "SET available = available - :qty"');
    const table = op.table ?? this.ownTable;
    this.stage('Update', table, op.key, op, (common) => ({
      Update: { ...common, Key: marshall(op.key, MARSHALL_OPTIONS), UpdateExpression: op.update },
    }));
  }

  delete(op: DeleteOperation): void {
    const table = op.table ?? this.ownTable;
    this.stage('Delete', table, op.key, op, (common) => ({
      Delete: { ...common, Key: marshall(op.key, MARSHALL_OPTIONS) },
    }));
  }

  conditionCheck(op: ConditionCheckOperation): void {
    requireText('condition', op.condition, 'a ConditionExpression such as "attribute_exists(pk)"');
    const table = op.table ?? this.ownTable;
    this.stage('ConditionCheck', table, op.key, op, (common) => ({
      ConditionCheck: {
        ...common,
        Key: marshall(op.key, MARSHALL_OPTIONS),
        ConditionExpression: op.condition,
      },
    }));
  }

  emit(eventType: string, payload: unknown, options: EmitOptions = {}): string {
    this.assertOpen();
    requireText('eventType', eventType, 'a non-empty event type such as "StockReserved"');
    const json = JSON.stringify(payload ?? null);
    checkEventPayload(eventType, json);
    const eventId = newEventId(this.now());
    this.events.push({
      eventId,
      eventType,
      payload: json,
      ...(options.groupId === undefined ? {} : { groupId: options.groupId }),
    });
    return eventId;
  }

  /** Called once the handler returned: later staging (e.g. from a stray promise) must not be silently lost. */
  seal(): void {
    this.sealed = true;
  }

  private stage(
    kind: string,
    table: string,
    key: Key | undefined,
    op: WriteOptions,
    build: (common: {
      TableName: string;
      ConditionExpression?: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues?: Record<string, AttributeValue>;
      ReturnValuesOnConditionCheckFailure?: 'ALL_OLD';
    }) => TransactWriteItem,
    item?: Item,
  ): void {
    this.assertOpen();
    const condition = op.condition;
    const common = {
      TableName: table,
      ...(condition === undefined ? {} : { ConditionExpression: condition }),
      ...(op.names === undefined ? {} : { ExpressionAttributeNames: { ...op.names } }),
      ...(op.values === undefined
        ? {}
        : { ExpressionAttributeValues: marshall({ ...op.values }, MARSHALL_OPTIONS) }),
      // The old item lets a failed condition be explained (e.g. unknown vs. exhausted) without a read.
      ...(condition === undefined ? {} : { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }),
    };
    const shownKey = key ?? item ?? {};
    this.writes.push({
      item: build(common),
      description: `${kind} of ${table} ${JSON.stringify(shownKey)}`,
      identity: key === undefined ? undefined : itemIdentity(table, key),
      condition,
      conditionName: op.conditionName,
      onConditionFailed: op.onConditionFailed,
    });
  }

  private keyOf(table: string, item: Item): Key | undefined {
    const names = this.keyAttributes[table] ?? [PARTITION_KEY, SORT_KEY];
    const key: Key = {};
    for (const name of names) {
      if (item[name] === undefined) return undefined;
      key[name] = item[name];
    }
    return key;
  }

  private assertOpen(): void {
    if (this.sealed) {
      throw new InvalidRequestError(
        'A write or event was staged after the handler returned; it would be lost. ' +
          'Await every asynchronous call inside the handler before returning.',
      );
    }
  }
}

function requireText(field: string, value: unknown, example: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidRequestError(`"${field}" must be ${example}; got ${JSON.stringify(value)}.`);
  }
}
