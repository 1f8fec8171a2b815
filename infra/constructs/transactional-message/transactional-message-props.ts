import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CheckBack } from './check-back.js';

/** Props of the {@link TransactionalMessage} construct. */
export interface TransactionalMessageProps {
  /** Where unresolved messages are checked back: `CheckBack.webhook(url)` or `CheckBack.lambda(fn)`. */
  readonly checkBack: CheckBack;
  /**
   * The producer's name, carried in every envelope as `sagaName` so consumers can tell producers apart.
   * @default the construct's id
   */
  readonly producerName?: string;
  /**
   * The queue that receives committed messages. Its name decides FIFO mode (`.fifo`).
   * @default a new queue (SSE, TLS only, 14-day retention) with a dead-letter queue for its consumers
   */
  readonly queue?: sqs.IQueue;
  /**
   * Create a FIFO queue (ordered per `groupId`, deduplicated by message id). Only when `queue` is not
   * given; a given queue's own type wins.
   * @default false
   */
  readonly fifo?: boolean;
  /** Receive count after which a consumer's message moves to the created queue's dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** Delay from prepare to the first check-back (RocketMQ's `transactionTimeOut`). @default Duration.seconds(6) */
  readonly firstCheckAfter?: Duration;
  /**
   * Delay between two check-backs of a message (RocketMQ's `transactionCheckInterval`). At least one
   * minute: the sweeper runs once a minute, EventBridge's finest schedule.
   * @default Duration.seconds(60)
   */
  readonly checkInterval?: Duration;
  /** Check-backs before an unresolved message is dead-lettered (RocketMQ's `transactionCheckMax`), 1–1,000. @default 15 */
  readonly maxChecks?: number;
  /** Timeout of one check-back call. @default Duration.seconds(5) */
  readonly checkBackTimeout?: Duration;
  /** The sweeper function's timeout; at least the check-back timeout + 10 s. @default Duration.seconds(60) */
  readonly sweeperTimeout?: Duration;
  /**
   * Partitions of the pending index (1–100). Each index partition takes about 1,000 writes/s and a
   * message costs two index writes (prepare, resolve), so 4 partitions carry about 2,000 prepares/s.
   * @default 4
   */
  readonly pendingShards?: number;
  /** How long resolved messages stay in the holding table (for status queries and late duplicates). @default Duration.days(7) */
  readonly retention?: Duration;
  /** Stream records per relay invocation (1–10,000). @default 100 */
  readonly batchSize?: number;
  /** Retries of a failing relay batch before its records go to the failure queue (0–10,000). @default 10 */
  readonly retryAttempts?: number;
  /** Stream records older than this go to the failure queue unrelayed. @default Duration.days(1) */
  readonly maxRecordAge?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}
