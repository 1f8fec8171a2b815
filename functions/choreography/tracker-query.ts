import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { SagaOutcome, StepMark } from './tracked-events.js';
import { TRACKER_STATE_SK, TRACKER_STEP_PREFIX, trackerStateKey } from './tracker-items.js';

export interface ChoreographyStepState {
  readonly step: string;
  /** The furthest mark the step reached: compensated over failed over done. */
  readonly status: StepMark;
  readonly doneAt?: string;
  readonly failedAt?: string;
  readonly compensatedAt?: string;
  /** The event types that reported on the step, sorted. */
  readonly eventTypes: readonly string[];
}

export interface ChoreographyState {
  readonly sagaId: string;
  readonly sagaName: string;
  /** `running` until an event with an outcome arrives. */
  readonly status: 'running' | SagaOutcome;
  /** Steps in the order they were first reported (by the events' creation time). */
  readonly steps: readonly ChoreographyStepState[];
  /** Distinct events applied (a redelivery does not count). */
  readonly eventCount: number;
  /** Creation time of the earliest event applied so far. */
  readonly startedAt: string;
  /** When the tracker last applied an event. */
  readonly updatedAt: string;
  /** Creation time of the event that ended the saga. */
  readonly endedAt?: string;
  readonly lastEventType: string;
}

export interface TrackerStore {
  readonly dynamo: DynamoDBClient;
  readonly tableName: string;
}

type Row = Record<string, unknown>;
const text = (row: Row, name: string): string | undefined =>
  typeof row[name] === 'string' ? (row[name] as string) : undefined;

function stepState(row: Row): ChoreographyStepState {
  const doneAt = text(row, 'doneAt');
  const failedAt = text(row, 'failedAt');
  const compensatedAt = text(row, 'compensatedAt');
  const status: StepMark = compensatedAt ? 'compensated' : failedAt ? 'failed' : 'done';
  const types = row['eventTypes'] instanceof Set ? [...(row['eventTypes'] as Set<string>)] : [];
  return {
    step: String(row['step']),
    status,
    ...(doneAt ? { doneAt } : {}),
    ...(failedAt ? { failedAt } : {}),
    ...(compensatedAt ? { compensatedAt } : {}),
    eventTypes: types.sort(),
  };
}

const firstTime = (step: ChoreographyStepState): string =>
  [step.doneAt, step.failedAt, step.compensatedAt].filter((t): t is string => t !== undefined).sort()[0] ??
  '';

/**
 * The state of a choreographed saga as its tracker has seen it, or `undefined` if no event of it
 * has been applied. One consistent Query of the saga's partition.
 */
export async function getChoreographyState(
  sagaId: string,
  store: TrackerStore,
): Promise<ChoreographyState | undefined> {
  const rows: Row[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await store.dynamo.send(
      new QueryCommand({
        TableName: store.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshall({ ':pk': trackerStateKey(sagaId).pk }),
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) rows.push(unmarshall(item));
    start = page.LastEvaluatedKey;
  } while (start);
  const state = rows.find((row) => row['sk'] === TRACKER_STATE_SK);
  if (!state) return undefined;
  const steps = rows
    .filter((row) => String(row['sk']).startsWith(TRACKER_STEP_PREFIX))
    .map(stepState)
    .sort((a, b) => firstTime(a).localeCompare(firstTime(b)) || a.step.localeCompare(b.step));
  const compensatedAt = text(state, 'compensatedAt');
  const failedAt = text(state, 'failedAt');
  const succeededAt = text(state, 'succeededAt');
  const [status, endedAt]: [ChoreographyState['status'], string | undefined] = compensatedAt
    ? ['compensated', compensatedAt]
    : failedAt
      ? ['failed', failedAt]
      : succeededAt
        ? ['succeeded', succeededAt]
        : ['running', undefined];
  return {
    sagaId,
    sagaName: String(state['sagaName']),
    status,
    steps,
    eventCount: Number(state['eventCount'] ?? 0),
    startedAt: String(state['startedAt']),
    updatedAt: String(state['updatedAt']),
    ...(endedAt ? { endedAt } : {}),
    lastEventType: String(state['lastEventType']),
  };
}
