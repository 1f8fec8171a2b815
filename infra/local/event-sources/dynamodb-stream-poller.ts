import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { LocalLogLine } from '../types.js';
import { batchItemFailures, type EventSourceMappingConfig, sleep } from './event-source-mapping.js';
import { matchesAnyFilter } from './filter-criteria.js';
import type { StreamRecord, StreamsApi } from './streams-api.js';

/** An idle shard is read at most every IDLE_BACKOFF × the poll interval (500 ms by default). */
const IDLE_BACKOFF = 5;

export interface StreamPollerDeps {
  readonly region: string;
  readonly streams: StreamsApi;
  readonly lambda: LambdaService;
  readonly sqs: SQSClient;
  /** Queue ARN → URL, for on-failure destinations. */
  readonly queueUrl: (arn: string) => string | undefined;
  readonly pollIntervalMs: number;
  readonly onLog: (line: LocalLogLine) => void;
  /** Where a persisted cloud keeps how far each shard was processed (see `StreamCheckpoints`). */
  readonly checkpoints?: {
    get(mapping: string, shard: string): string | undefined;
    set(mapping: string, shard: string, seq: string): void;
  };
}

/**
 * Lambda's DynamoDB stream event source: reads each shard in order, filters, batches, invokes, and
 * on errors retries (bisecting if configured) until the retry or age budget is spent, then sends
 * the batch's description to the on-failure destination and moves on.
 */
export class DynamoDbStreamPoller {
  private readonly controller = new AbortController();
  private readonly shards = new Set<string>();
  private readonly loops: Promise<void>[] = [];
  private wakeDiscovery: (() => void) | undefined;

  constructor(
    private readonly mapping: EventSourceMappingConfig,
    private readonly deps: StreamPollerDeps,
  ) {}

  start(): void {
    this.loops.push(this.discover());
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
  }

  private get signal(): AbortSignal {
    return this.controller.signal;
  }

  private log(level: LocalLogLine['level'], message: string): void {
    this.deps.onLog({
      timestamp: Date.now(),
      source: 'event-source',
      resource: this.mapping.logicalId,
      level,
      message,
    });
  }

  /** Finds shards (DynamoDB Local may roll them) and starts one reader per shard. */
  private async discover(): Promise<void> {
    let quietRounds = 0;
    while (!this.signal.aborted) {
      let found = false;
      try {
        for (const shardId of await this.deps.streams.shardIds(this.mapping.eventSourceArn, this.signal)) {
          if (this.shards.has(shardId)) continue;
          this.shards.add(shardId);
          this.loops.push(this.readShard(shardId));
          found = true;
        }
      } catch (error) {
        if (!this.signal.aborted) this.log('warn', `DescribeStream failed: ${(error as Error).message}`);
      }
      // Shards rarely change, and a DescribeStream costs DynamoDB Local noticeable CPU: look again
      // after 1 s, then less often up to every 10 s, or at once when a reader leaves its shard.
      quietRounds = found ? 0 : quietRounds + 1;
      const delay = Math.min(1_000 * 2 ** quietRounds, 10_000);
      await new Promise<void>((resolve) => {
        this.wakeDiscovery = resolve;
        void sleep(delay, this.signal).then(resolve);
      });
      this.wakeDiscovery = undefined;
    }
  }

  private get checkpointKey(): string {
    return `${this.mapping.stack}/${this.mapping.logicalId}`;
  }

  private async readShard(shardId: string): Promise<void> {
    let iterator: string | undefined;
    const checkpoint = this.deps.checkpoints?.get(this.checkpointKey, shardId);
    try {
      iterator = await this.deps.streams.iterator(
        this.mapping.eventSourceArn,
        shardId,
        this.signal,
        checkpoint,
      );
    } catch (error) {
      if (!this.signal.aborted)
        this.log('warn', `GetShardIterator failed for ${shardId}: ${(error as Error).message}`);
      this.shards.delete(shardId);
      return;
    }
    let buffer: StreamRecord[] = [];
    let lastRead: string | undefined = checkpoint;
    // An idle shard is read less and less often, up to IDLE_BACKOFF times the poll interval: a
    // GetRecords costs DynamoDB Local far more CPU than it costs AWS, and idle polls of every
    // mapping take it from the functions doing the work. A page with records resets the pace.
    let idlePolls = 0;
    while (!this.signal.aborted && (iterator || buffer.length > 0)) {
      if (buffer.length < this.mapping.batchSize && iterator) {
        try {
          const page = await this.deps.streams.records(iterator, 1000, this.signal);
          iterator = page.NextShardIterator;
          const records = page.Records ?? [];
          buffer = buffer.concat(records);
          idlePolls = records.length > 0 ? 0 : idlePolls + 1;
          lastRead = records[records.length - 1]?.dynamodb.SequenceNumber ?? lastRead;
        } catch (error) {
          if (this.signal.aborted) return;
          this.log('warn', `GetRecords failed on ${shardId}: ${(error as Error).message}`);
          await sleep(this.deps.pollIntervalMs * 5, this.signal);
          // An iterator that expired or points at trimmed data never works again: take a fresh one
          // just after the last record read, as Lambda's poller does.
          try {
            iterator = await this.deps.streams.iterator(
              this.mapping.eventSourceArn,
              shardId,
              this.signal,
              lastRead,
            );
          } catch (retryError) {
            if (this.signal.aborted) return;
            this.log('warn', `GetShardIterator failed for ${shardId}: ${(retryError as Error).message}`);
          }
          continue;
        }
      }
      if (buffer.length === 0) {
        const backoff = Math.min(2 ** Math.max(0, idlePolls - 1), IDLE_BACKOFF);
        await sleep(this.deps.pollIntervalMs * backoff, this.signal);
        continue;
      }
      const batch = buffer.slice(0, this.mapping.batchSize);
      buffer = buffer.slice(batch.length);
      await this.process(shardId, batch);
      const last = batch[batch.length - 1]?.dynamodb.SequenceNumber;
      if (last && !this.signal.aborted) this.deps.checkpoints?.set(this.checkpointKey, shardId, last);
    }
    // A closed shard was read to its end: look for its children now.
    if (!this.signal.aborted) this.wakeDiscovery?.();
  }

  private async process(shardId: string, records: StreamRecord[]): Promise<void> {
    const m = this.mapping;
    const events = records
      .map((r) => ({ ...r, awsRegion: this.deps.region, eventSourceARN: m.eventSourceArn }))
      .filter((r) => matchesAnyFilter(m.filters, r));
    const pending: StreamRecord[][] = events.length > 0 ? [events] : [];
    let attempts = 0;
    while (pending.length > 0 && !this.signal.aborted) {
      let batch = pending[0] ?? [];
      if (m.maximumRecordAgeInSeconds >= 0) {
        const cutoff = Date.now() / 1000 - m.maximumRecordAgeInSeconds;
        const expired = batch.filter(
          (r) => (r.dynamodb.ApproximateCreationDateTime ?? Number.POSITIVE_INFINITY) < cutoff,
        );
        if (expired.length > 0) {
          await this.sendToOnFailure(shardId, expired, 'RecordAgeExceeded', attempts);
          batch = batch.filter((r) => !expired.includes(r));
          pending[0] = batch;
        }
      }
      if (batch.length === 0) {
        pending.shift();
        continue;
      }
      const fn = this.deps.lambda.get(m.functionName);
      const result = await this.deps.lambda.invoke(fn, { Records: batch });
      let failedFrom: number | undefined;
      if (result.functionError) {
        failedFrom = 0;
      } else if (m.reportBatchItemFailures) {
        const failures = batchItemFailures(result.payload) ?? [];
        const indexes = failures.map((id) => batch.findIndex((r) => r.dynamodb.SequenceNumber === id));
        // An unknown identifier fails the whole batch, as on AWS.
        if (indexes.some((i) => i < 0)) failedFrom = 0;
        else if (indexes.length > 0) failedFrom = Math.min(...indexes);
      }
      if (failedFrom === undefined) {
        pending.shift();
        attempts = 0;
        continue;
      }
      batch = batch.slice(failedFrom);
      pending[0] = batch;
      attempts += 1;
      this.log(
        'warn',
        `batch of ${batch.length} record(s) failed on ${m.functionName} (attempt ${attempts})`,
      );
      if (m.maximumRetryAttempts >= 0 && attempts > m.maximumRetryAttempts) {
        await this.sendToOnFailure(shardId, batch, 'RetryAttemptsExhausted', attempts, result.functionError);
        pending.shift();
        attempts = 0;
        continue;
      }
      if (m.bisectBatchOnFunctionError && result.functionError && batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        pending.splice(0, 1, batch.slice(0, half), batch.slice(half));
      }
      await sleep(Math.min(this.deps.pollIntervalMs * 2 ** Math.min(attempts, 5), 2_000), this.signal);
    }
  }

  private async sendToOnFailure(
    shardId: string,
    batch: StreamRecord[],
    condition: string,
    attempts: number,
    functionError?: string,
  ): Promise<void> {
    const m = this.mapping;
    const first = batch[0];
    const last = batch[batch.length - 1];
    this.log('error', `${batch.length} record(s) of ${shardId} discarded (${condition})`);
    if (!m.onFailureDestination || !first || !last) return;
    const url = this.deps.queueUrl(m.onFailureDestination);
    if (!url) {
      this.log('error', `on-failure destination ${m.onFailureDestination} is not a local queue`);
      return;
    }
    const message = {
      requestContext: {
        requestId: crypto.randomUUID(),
        functionArn: m.functionArn,
        condition,
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: functionError ?? '' },
      version: '1.0',
      timestamp: new Date().toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.dynamodb.SequenceNumber,
        endSequenceNumber: last.dynamodb.SequenceNumber,
        approximateArrivalOfFirstRecord: new Date(
          (first.dynamodb.ApproximateCreationDateTime ?? 0) * 1000,
        ).toISOString(),
        approximateArrivalOfLastRecord: new Date(
          (last.dynamodb.ApproximateCreationDateTime ?? 0) * 1000,
        ).toISOString(),
        batchSize: batch.length,
        streamArn: m.eventSourceArn,
      },
    };
    await this.deps.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }));
  }
}
