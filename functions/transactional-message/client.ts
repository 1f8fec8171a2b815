import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ulid } from 'ulid';
import { firstCheckAt, pendingShardOf, ROCKETMQ_CHECK_SCHEDULE } from './check-schedule.js';
import {
  type ProducerConfig,
  producerConfigFromEnv,
  TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS,
} from './config.js';
import { TransactionalMessageInvalidError, TransactionalMessageNotFoundError } from './errors.js';
import {
  getMessage,
  type HoldingStore,
  putPrepared,
  type ResolveOutcome,
  resolveMessage,
} from './holding-store.js';
import type { MessageItem } from './message-item.js';
import type { MessageState } from './message-state.js';

/**
 * SQS's classic message size limit. The envelope around the payload must fit, so the payload is held
 * to it at prepare time rather than failing later in the relay.
 */
export const MAX_PAYLOAD_BYTES = 256 * 1024 - 2 * 1024;

/** What `prepare` holds: the message type and payload, and the transaction it belongs to. */
export interface PrepareRequest<P> {
  /** The message's type, e.g. `OrderPaid`; consumers route on it. */
  readonly messageType: string;
  /** Any JSON-serialisable value. */
  readonly payload: P;
  /** Unique per message; a retried prepare must reuse it. @default a new ULID */
  readonly messageId?: string;
  /**
   * The producer's own transaction id, sent to the check-back so that it can look the transaction up.
   * @default the message id
   */
  readonly transactionId?: string;
  /** FIFO ordering scope on a FIFO target queue. @default the message id (no ordering between messages) */
  readonly groupId?: string;
}

/** A message held by `prepare`, not delivered until it is committed. */
export interface PreparedMessage {
  readonly messageId: string;
  readonly transactionId: string;
  readonly state: MessageState;
  readonly preparedAt: string;
  /** When the first check-back is due if the producer neither commits nor rolls back. */
  readonly firstCheckAt: string;
}

/** The state of one transactional message, as the client reports it. */
export interface MessageStatus {
  readonly messageId: string;
  readonly state: MessageState;
  readonly messageType: string;
  readonly transactionId: string;
  readonly preparedAt: string;
  readonly checks: number;
  readonly nextCheckAt?: string;
  readonly lastCheckAnswer?: string;
  readonly lastCheckError?: string;
  readonly resolvedAt?: string;
  readonly resolvedBy?: string;
  readonly deliveredAt?: string;
  readonly deadLetterReason?: string;
}

/** Prepares, commits and rolls back transactional messages from a producer outside DynamoDB. */
export interface TransactionalMessageClient {
  /** Holds a message without delivering it. Call before the local transaction. */
  prepare<P>(request: PrepareRequest<P>): Promise<PreparedMessage>;
  /**
   * Releases a prepared message for delivery. Idempotent: committing a committed message returns
   * `alreadyResolved: true`. Throws TransactionalMessageStateError after a rollback or a dead-letter,
   * TransactionalMessageNotFoundError for an unknown id.
   */
  commit(messageId: string): Promise<ResolveOutcome>;
  /** Discards a prepared message. Idempotent like commit; throws after a commit. */
  rollback(messageId: string): Promise<ResolveOutcome>;
  /** The message's current state and check-back history; `undefined` for an unknown id. */
  getStatus(messageId: string): Promise<MessageStatus | undefined>;
}

/** Options of the transactional-message client. */
export interface TransactionalMessageClientOptions extends Partial<ProducerConfig> {
  /** @default a client created once per process; the endpoint comes from `AWS_ENDPOINT_URL` */
  readonly dynamo?: DynamoDBClient;
  /** Clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
}

/** Module scope, as Lambda guidance asks; creating a client opens no connection. */
const defaultDynamo = new DynamoDBClient({});

function validId(value: string | undefined, what: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length === 0 || value.length > 128) {
    throw new TransactionalMessageInvalidError(
      `${what} must be a non-empty string of at most 128 characters (got ${JSON.stringify(value)}).`,
    );
  }
}

function serialisePayload(payload: unknown, messageType: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (error) {
    throw new TransactionalMessageInvalidError(
      `The payload of a ${messageType} message is not JSON-serialisable: ${(error as Error).message}.`,
    );
  }
  if (text === undefined) {
    throw new TransactionalMessageInvalidError(
      `The payload of a ${messageType} message is ${String(payload)}; pass a JSON value (use null for "nothing").`,
    );
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new TransactionalMessageInvalidError(
      `The payload of a ${messageType} message is ${bytes} bytes as JSON; the limit is ${MAX_PAYLOAD_BYTES} bytes (SQS's 256 KiB minus the envelope). Send a reference (e.g. an S3 key) instead.`,
    );
  }
  return text;
}

function toStatus(item: MessageItem): MessageStatus {
  const {
    payload: _payload,
    pendingShard: _shard,
    expiresAt: _ttl,
    groupId: _group,
    nextCheckAt,
    ...rest
  } = item;
  return {
    ...rest,
    ...(nextCheckAt === undefined ? {} : { nextCheckAt: new Date(nextCheckAt).toISOString() }),
  } as MessageStatus;
}

/**
 * The producer's side of a transactional message:
 *
 * ```ts
 * const { messageId } = await messages.prepare({ messageType: 'OrderPaid', payload });
 * try {
 *   await db.transaction(...);            // the local transaction, e.g. on RDS
 * } catch (error) {
 *   await messages.rollback(messageId);
 *   throw error;
 * }
 * await messages.commit(messageId);        // lost? the check-back resolves it
 * ```
 */
export function createTransactionalMessageClient(
  options: TransactionalMessageClientOptions = {},
): TransactionalMessageClient {
  // Explicit options win; the environment (set by the construct's `producerEnvironment`) fills the rest.
  const env = options.tableName === undefined ? producerConfigFromEnv() : undefined;
  const config: ProducerConfig = {
    tableName: options.tableName ?? env!.tableName,
    firstCheckAfterMs:
      options.firstCheckAfterMs ?? env?.firstCheckAfterMs ?? ROCKETMQ_CHECK_SCHEDULE.firstCheckAfterMs,
    pendingShards:
      options.pendingShards ?? env?.pendingShards ?? TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.pendingShards,
    retentionDays:
      options.retentionDays ?? env?.retentionDays ?? TRANSACTIONAL_MESSAGE_RUNTIME_DEFAULTS.retentionDays,
  };
  const dynamo = options.dynamo ?? defaultDynamo;
  const now = options.now ?? Date.now;
  const store: HoldingStore = {
    dynamo,
    tableName: config.tableName,
    retentionDays: config.retentionDays,
  };

  const requireId = (messageId: string, action: string) => {
    if (typeof messageId !== 'string' || messageId.length === 0) {
      throw new TransactionalMessageNotFoundError(
        `Cannot ${action} message ${JSON.stringify(messageId)}: pass the messageId that prepare returned.`,
      );
    }
  };

  return {
    async prepare(request) {
      if (typeof request.messageType !== 'string' || request.messageType.trim() === '') {
        throw new TransactionalMessageInvalidError(
          `messageType must be a non-empty string (got ${JSON.stringify(request.messageType)}).`,
        );
      }
      validId(request.messageId, 'messageId');
      validId(request.transactionId, 'transactionId');
      validId(request.groupId, 'groupId');
      const payload = serialisePayload(request.payload, request.messageType);
      const messageId = request.messageId ?? ulid();
      const preparedAtMs = now();
      const item: MessageItem = {
        messageId,
        state: 'prepared',
        messageType: request.messageType,
        payload,
        ...(request.groupId ? { groupId: request.groupId } : {}),
        transactionId: request.transactionId ?? messageId,
        preparedAt: new Date(preparedAtMs).toISOString(),
        checks: 0,
        nextCheckAt: firstCheckAt(preparedAtMs, config),
        pendingShard: pendingShardOf(messageId, config.pendingShards),
      };
      const stored = await putPrepared(store, item);
      return {
        messageId: stored.messageId,
        transactionId: stored.transactionId,
        state: stored.state,
        preparedAt: stored.preparedAt,
        firstCheckAt: new Date(firstCheckAt(Date.parse(stored.preparedAt), config)).toISOString(),
      };
    },
    commit(messageId) {
      requireId(messageId, 'commit');
      return resolveMessage(store, messageId, 'commit', 'producer', now());
    },
    rollback(messageId) {
      requireId(messageId, 'rollback');
      return resolveMessage(store, messageId, 'rollback', 'producer', now());
    },
    async getStatus(messageId) {
      const item = await getMessage(store, messageId);
      return item ? toStatus(item) : undefined;
    },
  };
}
