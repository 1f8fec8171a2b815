import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/** Identifies a stream record in the batch response: Lambda resumes from the lowest reported one. */
export function streamRecordId(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? '';
}

/** Turns the failures of a stream batch, keyed by {@link streamRecordId}, into the batch response. */
export type StreamBatchResponder = (
  event: DynamoDBStreamEvent,
  failures: ReadonlyMap<string, Error>,
  context?: Context,
) => Promise<DynamoDBBatchResponse>;

/**
 * A responder for one handler. The records were all handled up front (so that SendMessageBatch can
 * carry ten per call); Powertools' batch processor then reports the failed ones as
 * `batchItemFailures`.
 */
export function createStreamBatchResponder(): StreamBatchResponder {
  const processor = new BatchProcessor(EventType.DynamoDBStreams);
  return (event, failures, context) => {
    const recordHandler = async (record: DynamoDBRecord): Promise<void> => {
      const failure = failures.get(streamRecordId(record));
      if (failure) throw failure;
    };
    return processPartialResponse(event, recordHandler, processor, {
      ...(context ? { context } : {}),
      processInParallel: false,
    });
  };
}
