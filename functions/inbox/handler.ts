import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutboxEnvelope } from '../relay/envelope.js';
import { sharedDynamoDbClient } from '../runtime/index.js';
import { InboxConditionError, InboxMessageInvalidError, InboxTransientError } from './errors.js';
import { inboxItem, inboxKey } from './inbox-item.js';
import { InboxTransaction } from './inbox-transaction.js';

/** Options of `createInboxHandler`. */
export interface InboxOptions<P> {
  /** The consumer's own table (participant key layout `pk`/`sk`), where inbox records live. */
  readonly tableName: string;
  /**
   * Stages the consumer's writes for one event. Runs at most once per successful commit; it may run
   * again after a failed commit, so it must only stage, not cause side effects.
   */
  readonly apply: (event: OutboxEnvelope<P>, tx: InboxTransaction, record: SQSRecord) => Promise<void> | void;
  /** How long inbox records are kept; redeliveries later than this apply again. @default 30 */
  readonly retentionDays?: number;
  /** @default the participant runtime's shared client (endpoint from `AWS_ENDPOINT_URL`) */
  readonly dynamo?: DynamoDBClient;
  readonly logger?: Logger;
}

/** The SQS handler `createInboxHandler` returns; it reports partial batch failures. */
export type InboxHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

/** What happened to one message. */
export type InboxOutcome = 'applied' | 'duplicate';

const defaultLogger = new Logger({ serviceName: 'stepsaga-inbox' });

function parseEnvelope<P>(record: SQSRecord): OutboxEnvelope<P> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    throw new InboxMessageInvalidError(
      `Message ${record.messageId} is not JSON, so it is not an outbox envelope: ${record.body.slice(0, 200)}`,
    );
  }
  const envelope = body as Partial<OutboxEnvelope<P>> | null;
  if (!envelope || typeof envelope.eventId !== 'string' || envelope.eventId === '') {
    throw new InboxMessageInvalidError(
      `Message ${record.messageId} has no eventId; the inbox applies outbox envelopes ({eventId, eventType, sagaId, payload, ...}) sent by the outbox relay.`,
    );
  }
  return envelope as OutboxEnvelope<P>;
}

/**
 * Applies one event at most once: the consumer's staged writes and the inbox record (condition
 * `attribute_not_exists(pk)`) commit in one TransactWriteItems, so a redelivered event finds its
 * record and is skipped as a success.
 */
export async function applyOnce<P>(
  envelope: OutboxEnvelope<P>,
  record: SQSRecord,
  options: InboxOptions<P>,
  now = new Date(),
): Promise<InboxOutcome> {
  const dynamo = options.dynamo ?? sharedDynamoDbClient;
  const key = marshall(inboxKey(envelope.eventId));
  // A cheap consistent read first, so that a duplicate does not even run `apply`.
  const existing = await dynamo.send(
    new GetItemCommand({ TableName: options.tableName, Key: key, ConsistentRead: true }),
  );
  if (existing.Item) return 'duplicate';

  const tx = new InboxTransaction(options.tableName);
  await options.apply(envelope, tx, record);
  const writes = tx.writes(envelope.eventId);
  try {
    await dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: options.tableName,
              Item: marshall(inboxItem(envelope, now, options.retentionDays ?? 30)),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          ...writes,
        ],
      }),
    );
    return 'applied';
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const reasons = error.CancellationReasons ?? [];
    if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'duplicate';
    const failedWrite = reasons.findIndex(
      (reason, index) => index > 0 && reason.Code === 'ConditionalCheckFailed',
    );
    if (failedWrite > 0) {
      throw new InboxConditionError(
        `Event ${envelope.eventId} (${envelope.eventType}) was not applied: the condition of staged write #${failedWrite} failed (${reasons[failedWrite]?.Message ?? 'no message'}). Nothing was written; the message is retried.`,
      );
    }
    const codes = reasons.map((reason) => reason.Code ?? 'None').join(', ');
    throw new InboxTransientError(
      `Event ${envelope.eventId} (${envelope.eventType}) was not applied: the transaction was cancelled (${codes}); the message is retried.`,
    );
  }
}

/** Builds an SQS consumer handler that applies each event at most once and reports partial batch failures. */
export function createInboxHandler<P = unknown>(options: InboxOptions<P>): InboxHandler {
  const logger = options.logger ?? defaultLogger;
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord): Promise<InboxOutcome> => {
    const envelope = parseEnvelope<P>(record);
    const outcome = await applyOnce(envelope, record, options);
    logger.info(outcome === 'applied' ? 'Event applied' : 'Event already applied; skipped', {
      eventId: envelope.eventId,
      eventType: envelope.eventType,
      sagaId: envelope.sagaId,
    });
    return outcome;
  };
  return (event, context) =>
    processPartialResponse(event, recordHandler, processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
}
