import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createInboxHandler, type InboxHandler } from '../inbox/handler.js';
import type { InboxTransaction } from '../inbox/inbox-transaction.js';
import type { OutboxEnvelope } from '../relay/envelope.js';
import { TTL_ATTRIBUTE } from '../runtime/keys.js';
import { eventTime } from './envelope.js';
import { ChoreographyConfigError } from './errors.js';
import { ChoreographyEnv } from './routes.js';
import { type TrackedEvents, trackedEventsFromEnv } from './tracked-events.js';
import { markAttribute, trackerStateKey, trackerStepKey } from './tracker-items.js';

export interface SagaTrackerOptions {
  /** @default `STEPSAGA_TRACKER_TABLE` */
  readonly tableName?: string;
  /** @default read from `STEPSAGA_TRACKED_EVENTS` */
  readonly events?: TrackedEvents;
  /** How long tracker items and inbox records are kept. @default 30 */
  readonly retentionDays?: number;
  readonly dynamo?: DynamoDBClient;
  readonly logger?: Logger;
}

/**
 * Stages the tracker writes for one event: the saga's state item (name, first and last event time,
 * event count, outcome) and the reported step's item. Marks are set only if absent (see
 * {@link markAttribute}); the inbox record committed with them makes a redelivery change nothing.
 */
export function stageTrackerUpdate(
  envelope: OutboxEnvelope,
  tx: InboxTransaction,
  events: TrackedEvents,
  retentionDays: number,
  now = new Date(),
): void {
  const at = eventTime(envelope);
  const ttl = Math.floor(now.getTime() / 1000) + retentionDays * 86_400;
  const meaning = Object.hasOwn(events, envelope.eventType) ? events[envelope.eventType] : undefined;
  const outcome = meaning?.outcome;
  tx.update({
    key: trackerStateKey(envelope.sagaId),
    update: [
      'SET sagaId = :sagaId, sagaName = :sagaName, itemType = :type',
      'startedAt = if_not_exists(startedAt, :at), updatedAt = :now, lastEventType = :eventType',
      `#ttl = :ttl${outcome ? `, #outcome = if_not_exists(#outcome, :at)` : ''}`,
    ]
      .join(', ')
      .concat(' ADD eventCount :one'),
    names: { '#ttl': TTL_ATTRIBUTE, ...(outcome ? { '#outcome': markAttribute(outcome) } : {}) },
    values: {
      ':sagaId': envelope.sagaId,
      ':sagaName': envelope.sagaName,
      ':type': 'choreography-saga',
      ':at': at,
      ':now': now.toISOString(),
      ':eventType': envelope.eventType,
      ':ttl': ttl,
      ':one': 1,
    },
  });
  if (!meaning) return;
  tx.update({
    key: trackerStepKey(envelope.sagaId, meaning.step),
    update:
      'SET sagaId = :sagaId, #step = :step, itemType = :type, #mark = if_not_exists(#mark, :at), #ttl = :ttl ADD eventTypes :eventType',
    names: { '#mark': markAttribute(meaning.marks), '#ttl': TTL_ATTRIBUTE, '#step': 'step' },
    values: {
      ':sagaId': envelope.sagaId,
      ':step': meaning.step,
      ':type': 'choreography-step',
      ':at': at,
      ':ttl': ttl,
      ':eventType': new Set([envelope.eventType]),
    },
  });
}

/** Builds the tracker's SQS handler: every event of the choreography, applied once to the read model. */
export function createSagaTrackerHandler(options: SagaTrackerOptions = {}): InboxHandler {
  const tableName = options.tableName ?? process.env[ChoreographyEnv.trackerTable];
  if (!tableName) {
    throw new ChoreographyConfigError(
      `${ChoreographyEnv.trackerTable} is not set. The Choreography construct sets it to the tracker table's name; pass \`tableName\` when running the tracker outside the construct.`,
    );
  }
  const events = options.events ?? trackedEventsFromEnv();
  const retentionDays = options.retentionDays ?? 30;
  return createInboxHandler({
    tableName,
    retentionDays,
    apply: (envelope, tx) => stageTrackerUpdate(envelope, tx, events, retentionDays),
    ...(options.dynamo ? { dynamo: options.dynamo } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
}
