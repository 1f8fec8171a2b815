import { type AttributeValue, type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ParticipantRequest } from '../runtime/contract.js';
import {
  DEADLINE_ATTRIBUTE,
  PENDING_ATTRIBUTE,
  PENDING_SHARD,
  RESERVATION_INDEX,
  type ReservationRecord,
} from './reservation.js';

export interface SweepOptions {
  readonly client: DynamoDBClient;
  /** The participant's table, which holds its reservation markers. */
  readonly tableName: string;
  /** @default RESERVATION_INDEX */
  readonly indexName?: string;
  /** Reservations whose deadline is at or before this time are cancelled. */
  readonly now: Date;
  /** Most reservations one sweep cancels; the rest wait for the next sweep. */
  readonly limit: number;
  /**
   * Runs the participant's cancel phase (through its barrier) and resolves to its result; rejects
   * with the participant's error. The Lambda handler invokes the participant function.
   */
  readonly cancel: (request: ParticipantRequest) => Promise<unknown>;
}

export interface SweepFailure {
  readonly sagaId: string;
  readonly step: string;
  readonly error: string;
  readonly message: string;
}

export interface SweepResult {
  /** `sagaId/step` of every reservation whose cancel committed (or had already committed). */
  readonly cancelled: readonly string[];
  /** Reservations whose cancel failed; they stay pending and the next sweep tries again. */
  readonly failed: readonly SweepFailure[];
}

/** The cancel request the state machine would have sent for this reservation. */
export function cancelRequestOf(reservation: ReservationRecord): ParticipantRequest {
  return {
    sagaId: reservation.sagaId,
    sagaName: reservation.sagaName,
    step: reservation.step,
    phase: 'cancel',
    action: reservation.cancelAction,
    input: JSON.parse(reservation.input) as unknown,
    results: {},
  };
}

async function* expiredReservations(options: SweepOptions): AsyncGenerator<ReservationRecord> {
  let startKey: Record<string, AttributeValue> | undefined;
  let found = 0;
  do {
    const page = await options.client.send(
      new QueryCommand({
        TableName: options.tableName,
        IndexName: options.indexName ?? RESERVATION_INDEX,
        KeyConditionExpression: '#shard = :pending AND #deadline <= :now',
        ExpressionAttributeNames: { '#shard': PENDING_ATTRIBUTE, '#deadline': DEADLINE_ATTRIBUTE },
        ExpressionAttributeValues: {
          ':pending': { S: PENDING_SHARD },
          ':now': { N: String(Math.floor(options.now.getTime() / 1000)) },
        },
        Limit: Math.min(options.limit - found, 100),
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      found += 1;
      yield unmarshall(item) as ReservationRecord;
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey && found < options.limit);
}

/**
 * Cancels every reservation past its deadline that is still pending, oldest deadline first. The
 * index is eventually consistent, so a reservation settled a moment ago may still show up: its
 * cancel then meets the barrier (already cancelled: the recorded result) or the marker (already
 * confirmed: refused, nothing changes), and is harmless either way.
 */
export async function sweepExpiredReservations(options: SweepOptions): Promise<SweepResult> {
  const cancelled: string[] = [];
  const failed: SweepFailure[] = [];
  for await (const reservation of expiredReservations(options)) {
    try {
      await options.cancel(cancelRequestOf(reservation));
      cancelled.push(`${reservation.sagaId}/${reservation.step}`);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      failed.push({ sagaId: reservation.sagaId, step: reservation.step, error: e.name, message: e.message });
    }
  }
  return { cancelled, failed };
}
