import type { AttributeValue, TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Phase } from './contract.js';
import { barrierKey, TTL_ATTRIBUTE } from './keys.js';

/**
 * `committed`: the phase ran and committed. `empty`: an undo phase that found no forward phase
 * (recorded, nothing changed). `blocked`: written on a forward phase's key by an empty undo, so that
 * a late forward phase is refused.
 */
export type BarrierStatus = 'committed' | 'empty' | 'blocked';

export interface BarrierScope {
  readonly sagaId: string;
  readonly sagaName: string;
  readonly step: string;
}

/** The barrier item of one phase of one step, as stored in the participant table. */
export interface BarrierRecord {
  readonly sagaId: string;
  readonly sagaName: string;
  readonly step: string;
  readonly phase: Phase;
  readonly action: string;
  readonly status: BarrierStatus;
  /** The phase's result as JSON; `null` for `empty` and `blocked`. */
  readonly result: string;
  /** {@link requestFingerprint} of the request that wrote the barrier. */
  readonly fingerprint?: string;
  /**
   * The saga input the phase ran with, as JSON; kept on actions and tries, whose compensation or
   * cancel must undo what they did rather than what its own request says.
   */
  readonly input?: string;
  readonly committedAt: string;
  readonly expiresAt: number;
}

/** The `itemType` of barrier items in a participant table. */
export const BARRIER_ITEM_TYPE = 'barrier';

/** What a barrier records about the request that wrote it. */
export interface BarrierRequest {
  readonly action: string;
  readonly fingerprint: string;
  /** The saga input as JSON, for phases that an undo reverses; left out otherwise. */
  readonly inputJson?: string;
}

export function barrierItem(
  scope: BarrierScope,
  phase: Phase,
  request: BarrierRequest,
  status: BarrierStatus,
  resultJson: string,
  now: Date,
  retentionDays: number,
): Record<string, AttributeValue> {
  return marshall({
    ...barrierKey(scope.sagaName, scope.sagaId, scope.step, phase),
    itemType: BARRIER_ITEM_TYPE,
    sagaId: scope.sagaId,
    sagaName: scope.sagaName,
    step: scope.step,
    phase,
    action: request.action,
    status,
    result: resultJson,
    fingerprint: request.fingerprint,
    ...(request.inputJson === undefined ? {} : { input: request.inputJson }),
    committedAt: now.toISOString(),
    [TTL_ATTRIBUTE]: expiresAt(now, retentionDays),
  });
}

export function expiresAt(now: Date, retentionDays: number): number {
  return Math.floor(now.getTime() / 1000) + Math.round(retentionDays * 86_400);
}

/** A `Put` of a barrier that succeeds only if no barrier exists for that phase yet. */
export function putBarrierIfAbsent(table: string, item: Record<string, AttributeValue>): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: item,
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/**
 * A `ConditionCheck` that another phase of the same step has committed; with `fingerprint`, also
 * that it ran with the same request input (a confirm must settle what its try reserved).
 */
export function requireCommitted(
  table: string,
  scope: BarrierScope,
  phase: Phase,
  fingerprint?: string,
): TransactWriteItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: marshall(barrierKey(scope.sagaName, scope.sagaId, scope.step, phase)),
      ConditionExpression:
        fingerprint === undefined
          ? '#status = :committed'
          : '#status = :committed AND #fingerprint = :fingerprint',
      ExpressionAttributeNames: {
        '#status': 'status',
        ...(fingerprint === undefined ? {} : { '#fingerprint': 'fingerprint' }),
      },
      ExpressionAttributeValues: {
        ':committed': { S: 'committed' },
        ...(fingerprint === undefined ? {} : { ':fingerprint': { S: fingerprint } }),
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** A `ConditionCheck` that another phase of the same step has not committed (nor been recorded at all). */
export function requireAbsent(table: string, scope: BarrierScope, phase: Phase): TransactWriteItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: marshall(barrierKey(scope.sagaName, scope.sagaId, scope.step, phase)),
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

export function parseBarrier(item: Record<string, AttributeValue> | undefined): BarrierRecord | undefined {
  if (!item || Object.keys(item).length === 0) return undefined;
  return unmarshall(item) as BarrierRecord;
}
