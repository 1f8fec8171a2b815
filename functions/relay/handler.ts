import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { type RelayConfig, relayConfigFromEnv } from './config.js';
import { OUTBOX_ITEM_TYPE, parseOutboxImage } from './outbox-item.js';
import { type OutboxEntry, sendOutboxEntries } from './send-batches.js';

export interface RelayHandlerOptions {
  /** @default read from the environment (see {@link relayConfigFromEnv}) at the first invocation */
  readonly config?: RelayConfig;
  /** @default a client created at module scope; the endpoint comes from `AWS_ENDPOINT_URL` */
  readonly sqs?: SQSClient;
  readonly logger?: Logger;
}

export type RelayHandler = (event: DynamoDBStreamEvent, context?: Context) => Promise<DynamoDBBatchResponse>;

const defaultSqs = new SQSClient({});
const defaultLogger = new Logger({ serviceName: 'stepsaga-outbox-relay' });

function recordIdOf(record: DynamoDBRecord): string {
  // Lambda resumes a stream batch from the lowest reported sequence number.
  return record.dynamodb?.SequenceNumber ?? '';
}

function isOutboxInsert(record: DynamoDBRecord): boolean {
  return record.eventName === 'INSERT' && record.dynamodb?.NewImage?.itemType?.S === OUTBOX_ITEM_TYPE;
}

/**
 * Builds the relay's Lambda handler: outbox inserts from a DynamoDB stream batch → SQS.
 *
 * All records are parsed and sent first (so that SendMessageBatch carries up to ten events per call),
 * then Powertools' batch processor turns the per-record outcomes into `batchItemFailures`.
 */
export function createRelayHandler(options: RelayHandlerOptions = {}): RelayHandler {
  const sqs = options.sqs ?? defaultSqs;
  const logger = options.logger ?? defaultLogger;
  let config = options.config;
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  return async (event, context) => {
    config ??= relayConfigFromEnv();
    const failures = new Map<string, Error>();
    const entries: OutboxEntry[] = [];
    for (const record of event.Records) {
      // The event source filter already drops other records; this guard keeps an unfiltered
      // mapping (or a hand-made event) from relaying barrier and business items.
      if (!isOutboxInsert(record)) continue;
      try {
        entries.push({ recordId: recordIdOf(record), item: parseOutboxImage(record.dynamodb?.NewImage) });
      } catch (error) {
        failures.set(recordIdOf(record), error as Error);
      }
    }
    const sendFailures = await sendOutboxEntries(entries, {
      sqs,
      queueUrl: config.queueUrl,
      fifo: config.fifo,
    });
    for (const [recordId, error] of sendFailures) failures.set(recordId, error);
    for (const [recordId, error] of failures) {
      logger.warn('Outbox record not relayed', { sequenceNumber: recordId, error: error.message });
    }
    logger.info('Outbox batch relayed', {
      records: event.Records.length,
      sent: entries.length - sendFailures.size,
      failed: failures.size,
    });

    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const failure = failures.get(recordIdOf(record));
      if (failure) throw failure;
    };
    return processPartialResponse(event, recordHandler, processor, {
      ...(context ? { context } : {}),
      processInParallel: false,
    });
  };
}

export const handler: RelayHandler = createRelayHandler();
