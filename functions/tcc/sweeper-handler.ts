import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { ParticipantRequest } from '../runtime/contract.js';
import { type SweepResult, sweepExpiredReservations } from './sweep.js';
import { sweeperConfigFromEnv } from './sweeper-config.js';

// Endpoints come from AWS_ENDPOINT_URL only, so the same bundle runs on AWS and on the local cloud.
const dynamodb = new DynamoDBClient({});
const lambda = new LambdaClient({});
const logger = new Logger({ serviceName: 'stepsaga-reservation-sweeper' });

/** The error a participant function reported, with the name Step Functions would have matched on. */
class ParticipantInvokeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

async function invokeCancel(functionName: string, request: ParticipantRequest): Promise<unknown> {
  const output = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      Payload: new TextEncoder().encode(JSON.stringify(request)),
    }),
  );
  const text = output.Payload ? new TextDecoder().decode(output.Payload) : 'null';
  const payload = JSON.parse(text || 'null') as unknown;
  if (output.FunctionError) {
    const { errorType, errorMessage } = (payload ?? {}) as { errorType?: string; errorMessage?: string };
    throw new ParticipantInvokeError(errorType ?? output.FunctionError, errorMessage ?? text);
  }
  return payload;
}

/**
 * Scheduled: cancels the participant's reservations that passed their deadline without a Confirm
 * or Cancel (the coordinator died, timed out, or was stopped), through the participant's own cancel
 * phase and barrier. Failed cancels stay pending and are retried by the next sweep.
 */
export async function handler(): Promise<SweepResult> {
  const config = sweeperConfigFromEnv();
  const result = await sweepExpiredReservations({
    client: dynamodb,
    tableName: config.tableName,
    now: new Date(),
    limit: config.limit,
    cancel: (request) => invokeCancel(config.participantFunction, request),
  });
  for (const failure of result.failed) logger.error('Expired reservation not cancelled', { ...failure });
  logger.info('Sweep finished', { cancelled: result.cancelled.length, failed: result.failed.length });
  return result;
}
