import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import type { ParticipantRequest } from './contract.js';
import { InputInvalidError, ResultTooLargeError, TransactionLimitError } from './errors.js';
import { itemSize, utf8, valueSize } from './item-size.js';

/** DynamoDB's TransactWriteItems limits (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html). */
export const MAX_TRANSACTION_ITEMS = 100;
/** Most bytes of one `TransactWriteItems` request. */
export const MAX_TRANSACTION_BYTES = 4 * 1024 * 1024;
/** Most bytes of one DynamoDB item. */
export const MAX_ITEM_BYTES = 400 * 1024;
/**
 * An outbox event travels as one SQS message (at most 256 KiB). The payload may use 240 KiB of it;
 * the remaining 16 KiB are for the envelope the relay adds (event id, type, saga id, step, group id).
 */
export const MAX_EVENT_PAYLOAD_BYTES = 240 * 1024;
/** A step's result lands in the Step Functions state, whose payload limit is 256 KiB. */
export const MAX_RESULT_BYTES = 256 * 1024;

/** What one transaction item is, for error messages that point at the offending operation. */
export interface OperationLabel {
  /** e.g. `Update of Inventory {"pk":"SKU#a","sk":"STOCK"}` or `outbox event StockReserved`. */
  readonly description: string;
  /** Identity of the item for the duplicate-item check; undefined when the key schema is unknown. */
  readonly identity: string | undefined;
}

/**
 * Rejects a transaction DynamoDB would reject anyway, before sending it, with a message that names
 * the limit, the measured value and what to change. Retrying cannot fix any of these, so they are
 * {@link TransactionLimitError}s, not transient errors.
 */
export function checkTransactionLimits(
  items: readonly TransactWriteItem[],
  labels: readonly OperationLabel[],
  what: string,
): void {
  if (items.length > MAX_TRANSACTION_ITEMS) {
    throw new TransactionLimitError(
      `${what} needs ${items.length} items in one transaction (staged writes + barrier + outbox events), ` +
        `but DynamoDB allows at most ${MAX_TRANSACTION_ITEMS}. Stage fewer writes or emit fewer events per step.`,
    );
  }
  const seen = new Map<string, string>();
  let total = 0;
  items.forEach((item, index) => {
    const label = labels[index];
    const description = label?.description ?? `operation #${index}`;
    const size = operationSize(item);
    if (item.Put && size > MAX_ITEM_BYTES) {
      throw new TransactionLimitError(
        `${what}: ${description} is ${size} bytes, above DynamoDB's item limit of ${MAX_ITEM_BYTES} bytes. ` +
          'Store large data elsewhere (e.g. S3) and keep a reference in the item.',
      );
    }
    total += size;
    if (label?.identity !== undefined) {
      const previous = seen.get(label.identity);
      if (previous !== undefined) {
        throw new TransactionLimitError(
          `${what}: ${previous} and ${description} touch the same item; DynamoDB refuses two operations on one item ` +
            'in a transaction. Merge them into one operation.',
        );
      }
      seen.set(label.identity, description);
    }
  });
  if (total > MAX_TRANSACTION_BYTES) {
    throw new TransactionLimitError(
      `${what}: the transaction is about ${total} bytes, above DynamoDB's limit of ${MAX_TRANSACTION_BYTES} bytes ` +
        '(4 MB). Stage smaller items or split the work across steps.',
    );
  }
}

export function checkEventPayload(eventType: string, payloadJson: string): void {
  const size = utf8(payloadJson);
  if (size > MAX_EVENT_PAYLOAD_BYTES) {
    throw new TransactionLimitError(
      `Outbox event "${eventType}" has a ${size}-byte payload, above the ${MAX_EVENT_PAYLOAD_BYTES}-byte limit ` +
        '(an event must fit one 256 KiB SQS message with its envelope). Send a reference instead of the data.',
    );
  }
}

/**
 * A forward result lands in the saga state: it must fit the step's budget when the saga set one, and
 * Step Functions' payload limit in any case. An undo's result only goes to its barrier.
 */
export function checkResultSize(what: string, resultJson: string, request: ParticipantRequest): void {
  const size = utf8(resultJson);
  const budget = request.phase === 'action' ? request.budget?.resultBytes : undefined;
  if (budget !== undefined && budget < MAX_RESULT_BYTES && size > budget) {
    throw new ResultTooLargeError(
      `${what} returned a ${size}-byte result, above the step's ${budget}-byte share of the saga state ` +
        `(input and every result must fit Step Functions' ${MAX_RESULT_BYTES}-byte state). Nothing was committed. ` +
        "Return identifiers, not data, or raise the step's `maxResultBytes`.",
    );
  }
  if (size > MAX_RESULT_BYTES) {
    throw new ResultTooLargeError(
      `${what} returned a ${size}-byte result, above the ${MAX_RESULT_BYTES}-byte Step Functions payload limit. ` +
        'Nothing was committed. Return identifiers, not data.',
    );
  }
}

/**
 * The saga input must be a JSON object (the state machine merges results into it) within the
 * saga's input budget. Checked by every forward phase of a saga, before anything runs, so that the
 * first step refuses a bad input and the saga ends as `SagaInputInvalid` with nothing committed.
 */
export function checkSagaInput(request: ParticipantRequest): void {
  const { budget, input } = request;
  if (budget === undefined || request.phase !== 'action') return;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    const shown = Array.isArray(input) ? 'an array' : input === null ? 'null' : `a ${typeof input}`;
    throw new InputInvalidError(
      `Saga ${request.sagaName} (${request.sagaId}) was started with ${shown} as input; a saga input must be a JSON object. Nothing ran.`,
    );
  }
  const size = utf8(JSON.stringify(input));
  if (size > budget.inputBytes) {
    throw new InputInvalidError(
      `Saga ${request.sagaName} (${request.sagaId}) was started with a ${size}-byte input, above its ${budget.inputBytes}-byte ` +
        'input budget (the rest of the 256 KiB state is kept for step results). Nothing ran. Pass identifiers, not data, ' +
        "or raise the saga's `maxInputBytes`.",
    );
  }
}

function operationSize(item: TransactWriteItem): number {
  const op = item.Put ?? item.Update ?? item.Delete ?? item.ConditionCheck;
  if (!op) return 0;
  let size = 0;
  if ('Item' in op && op.Item) size += itemSize(op.Item);
  if ('Key' in op && op.Key) size += itemSize(op.Key);
  if (item.Update?.UpdateExpression) size += utf8(item.Update.UpdateExpression);
  if (op.ConditionExpression) size += utf8(op.ConditionExpression);
  for (const [name, value] of Object.entries(op.ExpressionAttributeValues ?? {}))
    size += utf8(name) + valueSize(value);
  const names: Record<string, string> = op.ExpressionAttributeNames ?? {};
  for (const [alias, name] of Object.entries(names)) size += utf8(alias) + utf8(name);
  return size;
}
