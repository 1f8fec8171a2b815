import { Logger } from '@aws-lambda-powertools/logger';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { isFifoQueueUrl } from '../relay/config.js';
import { outboxEntriesOf } from '../relay/outbox-entries.js';
import { type OutboxEntry, sendOutboxEntries } from '../relay/send-batches.js';
import { createStreamBatchResponder } from '../shared/stream-batch-response.js';
import { type ChoreographyRoutes, routesFromEnv } from './routes.js';

export interface EventRouterOptions {
  /** @default read from `STEPSAGA_CHOREOGRAPHY_ROUTES` at the first invocation */
  readonly routes?: ChoreographyRoutes;
  /** @default a client created at module scope; the endpoint comes from `AWS_ENDPOINT_URL` */
  readonly sqs?: SQSClient;
  readonly logger?: Logger;
}

export type EventRouterHandler = (
  event: DynamoDBStreamEvent,
  context?: Context,
) => Promise<DynamoDBBatchResponse>;

const defaultSqs = new SQSClient({});
const defaultLogger = new Logger({ serviceName: 'stepsaga-choreography-router' });

/**
 * Builds the router's Lambda handler: a producer table's outbox inserts → every subscriber queue of
 * each event's type (the outbox relay's batching and error handling, once per subscriber queue).
 *
 * A record fails if any of its queues refused it; the stream then delivers it again, and the
 * subscribers that already got it see a duplicate, which their barrier or inbox absorbs. An event
 * type no one subscribes to is dropped (and logged).
 */
export function createEventRouterHandler(options: EventRouterOptions = {}): EventRouterHandler {
  const sqs = options.sqs ?? defaultSqs;
  const logger = options.logger ?? defaultLogger;
  let routes = options.routes;
  const respond = createStreamBatchResponder();

  return async (event, context) => {
    routes ??= routesFromEnv();
    const table = routes;
    const failures = new Map<string, Error>();
    const byQueue = new Map<string, OutboxEntry[]>();
    let unrouted = 0;
    for (const entry of outboxEntriesOf(event.Records, failures)) {
      const queues = Object.hasOwn(table, entry.item.eventType) ? (table[entry.item.eventType] ?? []) : [];
      if (queues.length === 0) unrouted += 1;
      for (const queueUrl of queues) {
        const list = byQueue.get(queueUrl) ?? [];
        list.push(entry);
        byQueue.set(queueUrl, list);
      }
    }
    const results = await Promise.all(
      [...byQueue].map(([queueUrl, entries]) =>
        sendOutboxEntries(entries, { sqs, queueUrl, fifo: isFifoQueueUrl(queueUrl) }),
      ),
    );
    for (const sendFailures of results) {
      for (const [recordId, error] of sendFailures)
        if (!failures.has(recordId)) failures.set(recordId, error);
    }
    for (const [recordId, error] of failures) {
      logger.warn('Outbox record not routed', { sequenceNumber: recordId, error: error.message });
    }
    logger.info('Outbox batch routed', {
      records: event.Records.length,
      queues: byQueue.size,
      unrouted,
      failed: failures.size,
    });
    return respond(event, failures, context);
  };
}
