import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { createStreamBatchResponder } from '../shared/stream-batch-response.js';
import { type RelayConfig, relayConfigFromEnv } from './config.js';
import { outboxEntriesOf } from './outbox-entries.js';
import { sendOutboxEntries } from './send-batches.js';

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
  const respond = createStreamBatchResponder();

  return async (event, context) => {
    config ??= relayConfigFromEnv();
    const failures = new Map<string, Error>();
    const entries = outboxEntriesOf(event.Records, failures);
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
    return respond(event, failures, context);
  };
}

export const handler: RelayHandler = createRelayHandler();
