import {
  type DynamoDBClient,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { barrierItem, putBarrierIfAbsent } from '../runtime/barrier.js';
import type { ParticipantRequest } from '../runtime/contract.js';
import { requestFingerprint } from '../runtime/fingerprint.js';
import { newEventId, outboxItem } from '../runtime/outbox.js';
import { ChoreographyTransientError } from './errors.js';

export interface Refusal {
  readonly error: string;
  readonly message: string;
  readonly code?: string;
}

export interface RefusalTarget {
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
  readonly retentionDays: number;
}

/** `'committed'` when this call recorded the refusal, `'already-decided'` when a barrier existed. */
export type RefusalCommit = 'committed' | 'already-decided';

/**
 * Commits a refused action as its step's outcome, once: the action's barrier (`committed`, result
 * `{ refused }`) and the refusal event in one TransactWriteItems. A barrier that already exists
 * means another delivery decided first (committed, refused, or blocked by a compensation), so
 * nothing is written; the barrier's condition makes the event go out at most once.
 */
export async function commitRefusal(
  request: ParticipantRequest,
  eventType: string,
  refusal: Refusal,
  target: RefusalTarget,
  now = new Date(),
): Promise<RefusalCommit> {
  const scope = { sagaId: request.sagaId, sagaName: request.sagaName, step: request.step };
  const input = request.input;
  const payload =
    input !== null && typeof input === 'object' && !Array.isArray(input)
      ? { ...(input as Record<string, unknown>), reason: refusal }
      : { input, reason: refusal };
  try {
    await target.dynamo.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          putBarrierIfAbsent(
            target.tableName,
            barrierItem(
              scope,
              'action',
              {
                action: request.action,
                fingerprint: requestFingerprint(request.input),
                inputJson: JSON.stringify(request.input ?? null),
              },
              'committed',
              JSON.stringify({ refused: refusal }),
              now,
              target.retentionDays,
            ),
          ),
          {
            Put: {
              TableName: target.tableName,
              Item: outboxItem(
                scope,
                { eventId: newEventId(now), eventType, payload: JSON.stringify(payload) },
                now,
                target.retentionDays,
              ),
            },
          },
        ],
      }),
    );
    return 'committed';
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return 'already-decided';
    const codes = (error.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None').join(', ');
    throw new ChoreographyTransientError(
      `Recording the refusal of ${request.action} (step ${request.step}, saga ${request.sagaId}) was cancelled (${codes}); the message is retried.`,
    );
  }
}
