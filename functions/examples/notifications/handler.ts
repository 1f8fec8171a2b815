import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { SagaOutcomeMessage } from 'stepsaga/runtime';
import { sharedDynamoDbClient, TABLE_NAME_ENV } from 'stepsaga/runtime';
import { outcomeKey } from './outcome-log.js';

const OUTCOME_TYPES = new Set(['SagaSucceeded', 'SagaCompensated', 'SagaParked']);

function isOutcome(event: unknown): event is SagaOutcomeMessage {
  const candidate = event as Partial<SagaOutcomeMessage> | null;
  return (
    typeof candidate?.sagaId === 'string' &&
    typeof candidate.executionArn === 'string' &&
    OUTCOME_TYPES.has(String(candidate.type))
  );
}

/**
 * The example `NotificationChannel` target of PlaceOrder's outcomes: records what it was told, per
 * saga, so that the whole notification path runs locally with no external webhook. `deliveries`
 * counts calls; the notifier's status record makes a second call for one execution unlikely, and
 * this count shows it when it happens.
 */
export async function handler(event: unknown): Promise<{ recorded: string }> {
  if (!isOutcome(event)) {
    // A thrown error is a failed attempt: the notifier retries it and, in the end, dead-letters it.
    throw new Error(
      `Not a saga outcome message (expected {type: SagaSucceeded|SagaCompensated|SagaParked, sagaId, executionArn, ...}): ${JSON.stringify(event).slice(0, 200)}`,
    );
  }
  const tableName = process.env[TABLE_NAME_ENV];
  if (!tableName) throw new Error(`${TABLE_NAME_ENV} is not set; the Participant construct sets it.`);
  await sharedDynamoDbClient.send(
    new UpdateItemCommand({
      TableName: tableName,
      Key: marshall(outcomeKey(event.sagaId)),
      UpdateExpression:
        'SET itemType = :type, outcome = :outcome, sagaName = :sagaName, executionArn = :arn, summary = :summary, publishedAt = :time, receivedAt = :now ADD deliveries :one',
      ExpressionAttributeValues: marshall({
        ':type': 'saga-outcome',
        ':outcome': event.type,
        ':sagaName': event.sagaName,
        ':arn': event.executionArn,
        ':summary': JSON.stringify(event.summary),
        ':time': event.time,
        ':now': new Date().toISOString(),
        ':one': 1,
      }),
    }),
  );
  return { recorded: `${event.type} ${event.sagaId}` };
}
