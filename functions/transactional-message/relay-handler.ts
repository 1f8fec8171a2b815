import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { createStreamBatchResponder, streamRecordId } from '../shared/stream-batch-response.js';
import { type RelayConfig, relayConfigFromEnv } from './config.js';
import { messageGroupOf, toDeadLetterEnvelope, toEnvelope, toMessageAttributes } from './envelope.js';
import { markDelivered } from './holding-store.js';
import { type MessageItem, toMessageItem } from './message-item.js';
import { isRelayedTransition } from './message-state.js';
import { type OutgoingMessage, sendMessages } from './send-messages.js';

export interface RelayHandlerOptions {
  /** @default read from the environment (see {@link relayConfigFromEnv}) at the first invocation */
  readonly config?: RelayConfig;
  /** Clients default to ones created at module scope; endpoints come from `AWS_ENDPOINT_URL`. */
  readonly sqs?: SQSClient;
  readonly dynamo?: DynamoDBClient;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export type TransactionalRelayHandler = (
  event: DynamoDBStreamEvent,
  context?: Context,
) => Promise<DynamoDBBatchResponse>;

const defaultSqs = new SQSClient({});
const defaultDynamo = new DynamoDBClient({});
const defaultLogger = new Logger({ serviceName: 'stepsaga-transactional-message-relay' });

/** The message a record moved out of `prepared`, or `undefined` for every other record. */
function transitionOf(record: DynamoDBRecord): MessageItem | undefined {
  if (record.eventName !== 'MODIFY') return undefined;
  const oldState = record.dynamodb?.OldImage?.state?.S;
  const newImage = record.dynamodb?.NewImage;
  if (!newImage || !isRelayedTransition(oldState, newImage.state?.S)) return undefined;
  // The Lambda event types and the SDK's AttributeValue describe the same wire shape.
  return toMessageItem(newImage as Record<string, AttributeValue>);
}

/**
 * Builds the relay's Lambda handler: holding-table stream → SQS.
 *
 * A message that moved from `prepared` to `committed` goes to the target queue and is then marked
 * `delivered`; one that moved to `dead-lettered` goes to the dead-letter queue with its reason.
 * Each such transition happens once per message (conditional writes), so the stream carries it once;
 * Lambda's retries of a failed batch are the only source of duplicates, which the FIFO
 * deduplication id or the consumer's inbox absorb.
 */
export function createTransactionalRelayHandler(
  options: RelayHandlerOptions = {},
): TransactionalRelayHandler {
  const sqs = options.sqs ?? defaultSqs;
  const dynamo = options.dynamo ?? defaultDynamo;
  const logger = options.logger ?? defaultLogger;
  const now = options.now ?? Date.now;
  let config = options.config;
  const respond = createStreamBatchResponder();

  return async (event, context) => {
    config ??= relayConfigFromEnv();
    const cfg = config;
    const failures = new Map<string, Error>();
    const committed: OutgoingMessage[] = [];
    const deadLettered: OutgoingMessage[] = [];
    for (const record of event.Records) {
      try {
        const item = transitionOf(record);
        if (!item) continue;
        const dead = item.state === 'dead-lettered';
        const body = JSON.stringify(
          dead ? toDeadLetterEnvelope(item, cfg.producerName) : toEnvelope(item, cfg.producerName),
        );
        (dead ? deadLettered : committed).push({
          recordId: streamRecordId(record),
          messageId: item.messageId,
          body,
          attributes: toMessageAttributes(item),
          ...(cfg.fifo && !dead ? { groupId: messageGroupOf(item) } : {}),
        });
      } catch (error) {
        failures.set(streamRecordId(record), error as Error);
      }
    }
    const [sendFailures, deadLetterFailures] = await Promise.all([
      sendMessages(sqs, cfg.queueUrl, cfg.fifo, committed),
      sendMessages(sqs, cfg.deadLetterQueueUrl, false, deadLettered),
    ]);
    for (const [recordId, error] of [...sendFailures, ...deadLetterFailures]) failures.set(recordId, error);

    const store = { dynamo, tableName: cfg.tableName };
    await Promise.all(
      committed
        .filter((message) => !failures.has(message.recordId))
        .map(async (message) => {
          try {
            await markDelivered(store, message.messageId, now());
          } catch (error) {
            // The message is in the queue; re-sending it to fix a status would only add a duplicate.
            logger.warn('Message sent but not marked delivered', {
              messageId: message.messageId,
              error: String(error),
            });
          }
        }),
    );
    for (const [recordId, error] of failures) {
      logger.warn('Transactional message not relayed', { sequenceNumber: recordId, error: error.message });
    }
    logger.info('Transactional messages relayed', {
      records: event.Records.length,
      delivered: committed.length - sendFailures.size,
      deadLettered: deadLettered.length - deadLetterFailures.size,
      failed: failures.size,
    });

    return respond(event, failures, context);
  };
}

export const handler: TransactionalRelayHandler = createTransactionalRelayHandler();
