import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { askCheckBack, type CheckBackAnswer } from './check-back.js';
import { afterUnknownAnswer, nextCheckAt } from './check-schedule.js';
import type { SweeperConfig } from './config.js';
import { claimCheck, deadLetter, type HoldingStore, recordUnknown, resolveMessage } from './holding-store.js';
import { HoldingTable, type MessageItem } from './message-item.js';

export interface SweepOptions {
  readonly config: SweeperConfig;
  readonly dynamo: DynamoDBClient;
  readonly lambda: LambdaClient;
  /** Clock, in epoch milliseconds. @default Date.now */
  readonly now?: () => number;
  /** Check-backs running at once. @default 10 */
  readonly concurrency?: number;
  /** Most messages one sweep checks; the rest wait for the next sweep. @default 1,000 */
  readonly maxMessages?: number;
  /** Stop claiming new checks once this returns true (e.g. the function's remaining time is short). */
  readonly shouldStop?: () => boolean;
  /** Called with each check's outcome, for logs and metrics. */
  readonly onCheck?: (outcome: CheckOutcome) => void;
}

export type CheckResult = 'committed' | 'rolled-back' | 'unknown' | 'dead-lettered' | 'resolved-meanwhile';

export interface CheckOutcome {
  readonly messageId: string;
  /** The number of this check (1-based). */
  readonly check: number;
  readonly result: CheckResult;
  readonly detail?: string;
}

export interface SweepReport {
  /** Due messages found in the pending index. */
  readonly due: number;
  /** Checks this sweep claimed (another sweep or a resolution may take the rest). */
  readonly checked: number;
  readonly committed: number;
  readonly rolledBack: number;
  readonly unknown: number;
  readonly deadLettered: number;
}

interface DueMessage {
  readonly messageId: string;
  readonly nextCheckAt: number;
}

async function dueMessages(
  dynamo: DynamoDBClient,
  tableName: string,
  shard: string,
  nowMs: number,
  limit: number,
): Promise<DueMessage[]> {
  const due: DueMessage[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await dynamo.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: HoldingTable.pendingIndex,
        KeyConditionExpression: '#shard = :shard AND #next <= :now',
        ExpressionAttributeNames: {
          '#shard': HoldingTable.pendingIndexPartitionKey,
          '#next': HoldingTable.pendingIndexSortKey,
        },
        ExpressionAttributeValues: marshall({ ':shard': shard, ':now': nowMs }),
        Limit: Math.min(limit - due.length, 1_000),
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      const { messageId, nextCheckAt } = unmarshall(item) as DueMessage;
      due.push({ messageId, nextCheckAt });
    }
    start = page.LastEvaluatedKey;
  } while (start && due.length < limit);
  return due;
}

function deadLetterReason(check: number, maxChecks: number, detail: string | undefined): string {
  return `The producer's check-back did not answer COMMIT or ROLLBACK in ${check} check${check === 1 ? '' : 's'} (limit ${maxChecks}); last answer: ${detail ?? 'UNKNOWN'}`;
}

async function checkOne(due: DueMessage, options: SweepOptions, store: HoldingStore): Promise<CheckOutcome> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const startedAt = now();
  const claimed: MessageItem | undefined = await claimCheck(
    store,
    due.messageId,
    due.nextCheckAt,
    nextCheckAt(startedAt, config.schedule),
    startedAt,
  );
  if (!claimed) return { messageId: due.messageId, check: 0, result: 'resolved-meanwhile' };
  const check = claimed.checks;
  if (check > config.schedule.maxChecks) {
    // The previous sweep claimed the last check and stopped before recording its answer.
    const detail = claimed.lastCheckError ?? 'the last check did not finish';
    const moved = await deadLetter(
      store,
      claimed.messageId,
      deadLetterReason(check - 1, config.schedule.maxChecks, detail),
      detail,
      now(),
    );
    return {
      messageId: claimed.messageId,
      check,
      result: moved ? 'dead-lettered' : 'resolved-meanwhile',
      detail,
    };
  }

  const answer: CheckBackAnswer = await askCheckBack(
    config.checkBack,
    {
      messageId: claimed.messageId,
      transactionId: claimed.transactionId,
      messageType: claimed.messageType,
      payload: JSON.parse(claimed.payload) as unknown,
      preparedAt: claimed.preparedAt,
      check,
      maxChecks: config.schedule.maxChecks,
    },
    { lambda: options.lambda, timeoutMs: config.checkBackTimeoutMs },
  );

  if (answer.status === 'COMMIT' || answer.status === 'ROLLBACK') {
    try {
      const outcome = await resolveMessage(
        store,
        claimed.messageId,
        answer.status === 'COMMIT' ? 'commit' : 'rollback',
        'check-back',
        now(),
      );
      return {
        messageId: claimed.messageId,
        check,
        result: outcome.alreadyResolved
          ? 'resolved-meanwhile'
          : answer.status === 'COMMIT'
            ? 'committed'
            : 'rolled-back',
      };
    } catch (error) {
      // The producer resolved it the other way while the check ran; its own call wins.
      return {
        messageId: claimed.messageId,
        check,
        result: 'resolved-meanwhile',
        detail: (error as Error).message,
      };
    }
  }

  const detail = answer.detail ?? 'UNKNOWN';
  if (afterUnknownAnswer(check, config.schedule) === 'dead-letter') {
    const moved = await deadLetter(
      store,
      claimed.messageId,
      deadLetterReason(check, config.schedule.maxChecks, detail),
      detail,
      now(),
    );
    return {
      messageId: claimed.messageId,
      check,
      result: moved ? 'dead-lettered' : 'resolved-meanwhile',
      detail,
    };
  }
  await recordUnknown(store, claimed.messageId, detail);
  return { messageId: claimed.messageId, check, result: 'unknown', detail };
}

/**
 * One sweep: finds prepared messages whose check is due (the sparse `pending` index, every shard),
 * claims each check with a conditional write, asks the producer's check-back, and applies the answer:
 * COMMIT commits, ROLLBACK rolls back, UNKNOWN (or no usable answer) waits for the next check, and
 * the UNKNOWN of the last allowed check dead-letters the message with the reason.
 *
 * Plain function, no trigger of its own: the construct runs it every minute from an EventBridge rule;
 * tests and the local cloud call it directly.
 */
export async function sweepCheckBacks(options: SweepOptions): Promise<SweepReport> {
  const { config } = options;
  const now = options.now ?? Date.now;
  const store: HoldingStore = {
    dynamo: options.dynamo,
    tableName: config.tableName,
    retentionDays: config.retentionDays,
  };
  const maxMessages = options.maxMessages ?? 1_000;
  const sweepStartedAt = now();
  const due: DueMessage[] = [];
  for (let shard = 0; shard < config.pendingShards && due.length < maxMessages; shard += 1) {
    due.push(
      ...(await dueMessages(
        options.dynamo,
        config.tableName,
        String(shard),
        sweepStartedAt,
        maxMessages - due.length,
      )),
    );
  }
  // Oldest due first, so that a backlog drains in order across shards.
  due.sort((a, b) => a.nextCheckAt - b.nextCheckAt);

  const counts = { checked: 0, committed: 0, rolledBack: 0, unknown: 0, deadLettered: 0 };
  let next = 0;
  const worker = async () => {
    while (next < due.length && !options.shouldStop?.()) {
      const message = due[next]!;
      next += 1;
      const outcome = await checkOne(message, options, store);
      options.onCheck?.(outcome);
      if (outcome.check > 0) counts.checked += 1;
      if (outcome.result === 'committed') counts.committed += 1;
      if (outcome.result === 'rolled-back') counts.rolledBack += 1;
      if (outcome.result === 'unknown') counts.unknown += 1;
      if (outcome.result === 'dead-lettered') counts.deadLettered += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 10) }, worker));
  return { due: due.length, ...counts };
}
