import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ChangeMessageVisibilityCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { backoffSeconds } from './backoff.js';
import { type NotifierConfig, notifierConfigFromEnv } from './config.js';
import { deliver } from './deliver.js';
import { DeliveryError } from './errors.js';
import { notificationIdOf } from './notification-id.js';
import { type SigningSecretProvider, signingSecretProvider } from './signing-secret.js';
import { getNotificationStatus, recordDelivered, recordFailure, type StatusStore } from './status-store.js';

export interface NotifierHandlerOptions {
  /** @default read from the environment (see {@link notifierConfigFromEnv}) at the first invocation */
  readonly config?: NotifierConfig;
  /** Clients default to ones created at module scope; endpoints come from `AWS_ENDPOINT_URL`. */
  readonly sqs?: SQSClient;
  readonly dynamo?: DynamoDBClient;
  readonly lambda?: LambdaClient;
  /** @default reads the secret named by the config from Secrets Manager or SSM */
  readonly signingSecret?: SigningSecretProvider;
  /** Jitter source for the backoff. @default Math.random */
  readonly random?: () => number;
  readonly logger?: Logger;
}

export type NotifierHandler = (event: SQSEvent, context?: Context) => Promise<SQSBatchResponse>;

const defaultSqs = new SQSClient({});
const defaultDynamo = new DynamoDBClient({});
const defaultLambda = new LambdaClient({});
const defaultLogger = new Logger({ serviceName: 'stepsaga-notifier' });

/**
 * Builds the notifier's Lambda handler: one delivery attempt per SQS message.
 *
 * A failed attempt hides the message for its backoff (ChangeMessageVisibility) and is reported in
 * `batchItemFailures`, so SQS offers it again only when the backoff has passed; the status store
 * keeps the attempt count and the last error. The attempt at the queue's `maxReceiveCount` is the
 * last: its failure is recorded as `dead-lettered` and the message is released at once, so that SQS
 * moves it to the dead-letter queue on the next receive.
 */
export function createNotifierHandler(options: NotifierHandlerOptions = {}): NotifierHandler {
  const sqs = options.sqs ?? defaultSqs;
  const dynamo = options.dynamo ?? defaultDynamo;
  const lambda = options.lambda ?? defaultLambda;
  const logger = options.logger ?? defaultLogger;
  const random = options.random ?? Math.random;
  const processor = new BatchProcessor(EventType.SQS);
  let config = options.config;
  let signingSecret = options.signingSecret;

  const handleRecord = async (record: SQSRecord, cfg: NotifierConfig): Promise<void> => {
    const store: StatusStore = {
      dynamo,
      tableName: cfg.statusTableName,
      retentionDays: cfg.statusRetentionDays,
    };
    const notificationId = notificationIdOf(record);
    const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
    const status = await getNotificationStatus(notificationId, store);
    if (status?.state === 'delivered') {
      logger.info('Notification already delivered; duplicate message dropped', { notificationId });
      return;
    }
    try {
      await deliver(
        cfg.target,
        { notificationId, attempt: (status?.attempts ?? 0) + 1, body: record.body },
        { lambda, signingSecret: signingSecret!, timeoutMs: cfg.deliveryTimeoutMs },
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const last = receiveCount >= cfg.maxReceiveCount;
      const delay = last ? 0 : backoffSeconds(receiveCount, cfg.backoff, random);
      try {
        await sqs.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: cfg.queueUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: delay,
          }),
        );
      } catch (visibilityError) {
        // Without it the queue's own visibility timeout spaces the retry; the attempt still counts.
        logger.warn('Could not set the retry delay', { notificationId, error: String(visibilityError) });
      }
      // One clock reading for both timestamps, so nextAttemptAt - lastAttemptAt is exactly the delay.
      const failedAt = new Date();
      await recordFailure(
        notificationId,
        store,
        last
          ? { error: message }
          : { error: message, nextAttemptAt: new Date(failedAt.getTime() + delay * 1000) },
        failedAt,
      );
      logger.warn(last ? 'Notification dead-lettered' : 'Notification attempt failed', {
        notificationId,
        receiveCount,
        retryInSeconds: last ? undefined : delay,
        error: message,
      });
      throw error instanceof DeliveryError ? error : new DeliveryError(message);
    }
    await recordDelivered(notificationId, store);
    logger.info('Notification delivered', { notificationId, receiveCount });
  };

  return async (event, context) => {
    config ??= notifierConfigFromEnv();
    signingSecret ??= signingSecretProvider(
      config.target.kind === 'webhook' ? config.target.signingSecret : undefined,
    );
    const cfg = config;
    // Records of one batch run in parallel; two copies of one notification must not both deliver,
    // so a copy waits for the first one's outcome and shares it.
    const inFlight = new Map<string, Promise<void>>();
    const handleOnce = (record: SQSRecord): Promise<void> => {
      const notificationId = notificationIdOf(record);
      const first = inFlight.get(notificationId);
      if (first) {
        logger.info('Duplicate of a notification in this batch; sharing its outcome', { notificationId });
        return first;
      }
      const attempt = handleRecord(record, cfg);
      inFlight.set(notificationId, attempt);
      return attempt;
    };
    return processPartialResponse(event, handleOnce, processor, {
      ...(context ? { context } : {}),
      // A dead target fails every message; that is an answer, not a crash of the function.
      throwOnFullBatchFailure: false,
    });
  };
}

export const handler: NotifierHandler = createNotifierHandler();
