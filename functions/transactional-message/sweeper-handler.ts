import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { Context } from 'aws-lambda';
import { type SweeperConfig, sweeperConfigFromEnv } from './config.js';
import { type SweepReport, sweepCheckBacks } from './sweep.js';

export interface SweeperHandlerOptions {
  /** @default read from the environment (see {@link sweeperConfigFromEnv}) at the first invocation */
  readonly config?: SweeperConfig;
  /** Clients default to ones created at module scope; endpoints come from `AWS_ENDPOINT_URL`. */
  readonly dynamo?: DynamoDBClient;
  readonly lambda?: LambdaClient;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export type SweeperHandler = (event?: unknown, context?: Context) => Promise<SweepReport>;

const defaultDynamo = new DynamoDBClient({});
const defaultLambda = new LambdaClient({});
const defaultLogger = new Logger({ serviceName: 'stepsaga-transactional-message-sweeper' });

/** Time kept free at the end of an invocation, on top of one check-back's timeout. */
const SAFETY_MARGIN_MS = 5_000;

/** Builds the sweeper's Lambda handler; the scheduled event's content is ignored. */
export function createSweeperHandler(options: SweeperHandlerOptions = {}): SweeperHandler {
  const dynamo = options.dynamo ?? defaultDynamo;
  const lambda = options.lambda ?? defaultLambda;
  const logger = options.logger ?? defaultLogger;
  let config = options.config;
  return async (_event, context) => {
    config ??= sweeperConfigFromEnv();
    const reserve = config.checkBackTimeoutMs + SAFETY_MARGIN_MS;
    const report = await sweepCheckBacks({
      config,
      dynamo,
      lambda,
      ...(options.now ? { now: options.now } : {}),
      // A check claimed but never answered still counts against the budget, so stop claiming in time.
      ...(context ? { shouldStop: () => context.getRemainingTimeInMillis() < reserve } : {}),
      onCheck: (outcome) => {
        if (outcome.result === 'dead-lettered') {
          logger.error('Transactional message dead-lettered', { ...outcome });
        } else if (outcome.result === 'unknown') {
          logger.warn('Check-back answered UNKNOWN', { ...outcome });
        } else {
          logger.info('Check-back resolved a message', { ...outcome });
        }
      },
    });
    logger.info('Check-back sweep finished', { ...report });
    return report;
  };
}

export const handler: SweeperHandler = createSweeperHandler();
