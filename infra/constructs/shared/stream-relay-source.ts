import type { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';

export interface StreamRelaySourceOptions {
  /** The event filter pattern: only matching records invoke the function. */
  readonly filter: Record<string, unknown>;
  readonly batchSize: number;
  readonly maxRecordAge: Duration;
  readonly retryAttempts: number;
  /** Receives the metadata of records that exhausted their retries or outlived `maxRecordAge`. */
  readonly failureQueue: sqs.IQueue;
  /** @default no batching window */
  readonly maxBatchingWindow?: Duration;
  /** @default Lambda's default (1) */
  readonly parallelizationFactor?: number;
}

/**
 * The event source of a function that relays a table's stream records to SQS: from the oldest
 * record, with partial batch failures reported and failing batches bisected, so that only the
 * records SQS refused are retried.
 */
export function streamRelaySource(
  table: dynamodb.ITable,
  options: StreamRelaySourceOptions,
): sources.DynamoEventSource {
  return new sources.DynamoEventSource(table, {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    filters: [lambda.FilterCriteria.filter(options.filter)],
    batchSize: options.batchSize,
    ...(options.maxBatchingWindow ? { maxBatchingWindow: options.maxBatchingWindow } : {}),
    bisectBatchOnError: true,
    reportBatchItemFailures: true,
    maxRecordAge: options.maxRecordAge,
    retryAttempts: options.retryAttempts,
    ...(options.parallelizationFactor !== undefined
      ? { parallelizationFactor: options.parallelizationFactor }
      : {}),
    onFailure: new sources.SqsDlq(options.failureQueue),
  });
}
