import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Faults } from '../faults.js';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { LocalLogLine } from '../types.js';
import { batchItemFailures, type EventSourceMappingConfig, sleep } from './event-source-mapping.js';
import { matchesAnyFilter } from './filter-criteria.js';

export interface SqsPollerDeps {
  readonly region: string;
  readonly lambda: LambdaService;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The queue's name, which queue fault rules match. */
  readonly queueName?: string;
  readonly faults?: Faults;
  readonly pollIntervalMs: number;
  readonly onLog: (line: LocalLogLine) => void;
}

/**
 * Lambda's SQS event source: long-polls the queue, invokes with batches, deletes what succeeded and
 * leaves failures to reappear after the visibility timeout (the queue's redrive policy moves them
 * to its DLQ after maxReceiveCount receives).
 */
export class SqsPoller {
  private readonly controller = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly mapping: EventSourceMappingConfig,
    private readonly deps: SqsPollerDeps,
  ) {}

  start(): void {
    for (let i = 0; i < this.mapping.maximumConcurrency; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await Promise.allSettled(this.loops);
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

  private async loop(): Promise<void> {
    const signal = this.controller.signal;
    while (!signal.aborted) {
      let messages: Message[];
      try {
        messages = await this.receive(signal);
      } catch (error) {
        if (signal.aborted) return;
        this.log('warn', `ReceiveMessage failed: ${(error as Error).message}`);
        await sleep(this.deps.pollIntervalMs * 5, signal);
        continue;
      }
      if (messages.length === 0) continue;
      try {
        await this.process(messages);
      } catch (error) {
        this.log('error', `processing a batch failed: ${(error as Error).message}`);
      }
    }
  }

  private async receive(signal: AbortSignal): Promise<Message[]> {
    const received: Message[] = [];
    while (received.length < this.mapping.batchSize) {
      const out = await this.deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.deps.queueUrl,
          MaxNumberOfMessages: Math.min(10, this.mapping.batchSize - received.length),
          // Long-poll only while nothing is in hand; then take what is there right now.
          WaitTimeSeconds: received.length === 0 ? 1 : 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: signal },
      );
      const page = out.Messages ?? [];
      received.push(...page);
      if (page.length === 0) break;
    }
    return received;
  }

  private toRecord(message: Message) {
    const attributes = message.MessageAttributes ?? {};
    return {
      messageId: message.MessageId,
      receiptHandle: message.ReceiptHandle,
      body: message.Body,
      attributes: message.Attributes ?? {},
      messageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([name, value]) => [
          name,
          {
            ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
            ...(value.BinaryValue !== undefined
              ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') }
              : {}),
            stringListValues: value.StringListValues ?? [],
            binaryListValues: [],
            dataType: value.DataType,
          },
        ]),
      ),
      md5OfBody: message.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: this.mapping.eventSourceArn,
      awsRegion: this.deps.region,
    };
  }

  private async process(messages: Message[]): Promise<void> {
    const m = this.mapping;
    const records = messages.map((message) => this.toRecord(message));
    // Filters see the body as JSON when it parses, as Lambda's do.
    const passes = (record: ReturnType<SqsPoller['toRecord']>) => {
      let body: unknown = record.body;
      try {
        body = JSON.parse(record.body ?? '');
      } catch {}
      return matchesAnyFilter(m.filters, { ...record, body });
    };
    const selected = records.filter(passes);
    const filteredOut = records.filter((r) => !selected.includes(r));
    let done = filteredOut;
    // Injected: the visibility of these runs out mid-processing, so another poller gets a copy.
    await this.release(this.faulted(selected, 'visibility-expiry'));
    if (selected.length > 0) {
      const result = await this.deps.lambda.invoke(this.deps.lambda.get(m.functionName), {
        Records: selected,
      });
      if (result.functionError) {
        this.log(
          'warn',
          `batch of ${selected.length} message(s) failed on ${m.functionName}; they return after the visibility timeout`,
        );
      } else if (m.reportBatchItemFailures) {
        const failed = batchItemFailures(result.payload) ?? [];
        const known = new Set(selected.map((r) => r.messageId));
        if (failed.some((id) => !known.has(id))) {
          this.log('warn', 'batchItemFailures names an unknown messageId; the whole batch counts as failed');
        } else {
          done = done.concat(selected.filter((r) => !failed.includes(r.messageId ?? '')));
        }
      } else {
        done = done.concat(selected);
      }
    }
    // Injected: the delete of these is lost, so they are delivered again.
    const redelivered = this.faulted(done, 'redeliver');
    await this.release(redelivered);
    done = done.filter((r) => !redelivered.includes(r));
    for (let i = 0; i < done.length; i += 10) {
      const chunk = done.slice(i, i + 10);
      await this.deps.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.deps.queueUrl,
          Entries: chunk.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      );
    }
  }

  private faulted<R extends { messageId?: string }>(
    records: R[],
    kind: 'redeliver' | 'visibility-expiry',
  ): R[] {
    const { faults, queueName } = this.deps;
    if (!faults || !queueName) return [];
    return records.filter((r) => faults.forMessage(queueName, r.messageId ?? '', kind) !== undefined);
  }

  /** Makes messages visible again at once (visibility timeout 0). */
  private async release(records: Array<{ receiptHandle?: string }>): Promise<void> {
    for (let i = 0; i < records.length; i += 10) {
      const chunk = records.slice(i, i + 10);
      await this.deps.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.deps.queueUrl,
          Entries: chunk.map((r, j) => ({
            Id: String(j),
            ReceiptHandle: r.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}
