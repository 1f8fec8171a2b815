import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

/** Props of the {@link OutboxRelay} construct. */
export interface OutboxRelayProps {
  /**
   * The participant table whose outbox items are relayed. It must have a stream that carries new
   * images (`NEW_IMAGE` or `NEW_AND_OLD_IMAGES`).
   */
  readonly table: dynamodb.ITable;
  /**
   * The queue that receives the events. Its name decides FIFO mode (`.fifo`).
   * @default a new queue (SSE, TLS only, 14-day retention) with a dead-letter queue
   */
  readonly queue?: sqs.IQueue;
  /**
   * Create a FIFO queue (ordered per `groupId`, else per saga; deduplicated by event id). Only when
   * `queue` is not given; a given queue's own type wins.
   * @default false
   */
  readonly fifo?: boolean;
  /**
   * Receive count after which a message of the created queue moves to its dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /** Stream records per invocation (1–10,000). @default 100 */
  readonly batchSize?: number;
  /** How long the event source gathers records before invoking. @default no batching window */
  readonly maxBatchingWindow?: Duration;
  /** Records older than this go to the on-failure queue unrelayed (60 s – 7 days). @default Duration.days(1) */
  readonly maxRecordAge?: Duration;
  /** Retries of a failing batch before its records go to the on-failure queue (0–10,000). @default 10 */
  readonly retryAttempts?: number;
  /** Concurrent batches per shard (1–10); per-key order is kept either way. @default 1 */
  readonly parallelizationFactor?: number;
  /** The iterator-age alarm fires when the oldest unrelayed record is older than this. @default Duration.minutes(5) */
  readonly iteratorAgeAlarmThreshold?: Duration;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}
