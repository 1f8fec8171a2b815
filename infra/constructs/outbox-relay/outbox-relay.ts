import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RelayEnv } from '../../../functions/relay/config.js';
import { createBundledFunction, DEFAULT_SYSTEM_FUNCTION_TIMEOUT } from '../shared/bundled-function.js';
import { alarmOnAnyMessage } from '../shared/first-occurrence-alarms.js';
import { acknowledgeNoAsyncInvoke, acknowledgeTerminalQueue } from '../shared/inherent-findings.js';
import { libraryHandlerEntry } from '../shared/library-handler.js';
import { secureQueue } from '../shared/secure-queue.js';
import { streamRelaySource } from '../shared/stream-relay-source.js';
import { StepsagaValidationError } from '../shared/validation-error.js';
import type { OutboxRelayProps } from './outbox-relay-props.js';
import { checkRelayTable } from './table-stream-check.js';

/** The only records the relay is invoked for: newly inserted outbox items. */
export const OUTBOX_INSERT_FILTER = {
  eventName: lambda.FilterRule.isEqual('INSERT'),
  dynamodb: { NewImage: { itemType: { S: lambda.FilterRule.isEqual('outbox') } } },
};

export const OUTBOX_RELAY_DEFAULTS = {
  batchSize: 100,
  maxRecordAge: Duration.days(1),
  retryAttempts: 10,
  parallelizationFactor: 1,
  maxReceiveCount: 5,
  iteratorAgeAlarmThreshold: Duration.minutes(5),
  memorySize: 256,
} as const;

const RELAY_ENTRY = libraryHandlerEntry('relay/handler');

function checkRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StepsagaValidationError(
      `OutboxRelay: \`${name}\` must be a whole number from ${min} to ${max} (got ${value}). Pick a value in that range or leave it unset for the default.`,
    );
  }
}

/**
 * Relays outbox events from a participant table's stream to an SQS queue.
 *
 * The stream's event source invokes a Lambda function for outbox inserts only; the function sends
 * the events with SendMessageBatch and reports the records SQS refused, so that only those are
 * retried. Batches that keep failing are bisected; records that exhaust their retries or outlive
 * `maxRecordAge` go to {@link failureQueue}. An alarm watches the iterator age (outbox lag).
 */
export class OutboxRelay extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  /** Where the events go. */
  public readonly queue: sqs.IQueue;
  /** The dead-letter queue of {@link queue}, when this construct created the queue. */
  public readonly deadLetterQueue?: sqs.Queue;
  /** Stream records that could not be relayed (metadata only: shard and sequence numbers). */
  public readonly failureQueue: sqs.Queue;
  public readonly eventSource: sources.DynamoEventSource;
  public readonly iteratorAgeAlarm: cloudwatch.Alarm;
  public readonly failureQueueAlarm: cloudwatch.Alarm;
  /** Fires when a consumer's message lands in {@link deadLetterQueue}; only when this construct created the queue. */
  public readonly deadLetterAlarm?: cloudwatch.Alarm;
  public readonly fifo: boolean;

  constructor(scope: Construct, id: string, props: OutboxRelayProps) {
    super(scope, id);
    checkRelayTable(`OutboxRelay "${this.node.path}"`, props.table);
    checkRange('batchSize', props.batchSize, 1, 10_000);
    checkRange('retryAttempts', props.retryAttempts, 0, 10_000);
    checkRange('parallelizationFactor', props.parallelizationFactor, 1, 10);
    checkRange('maxReceiveCount', props.maxReceiveCount, 1, 1_000);
    if (props.queue && props.fifo !== undefined && props.queue.fifo !== props.fifo) {
      throw new StepsagaValidationError(
        `OutboxRelay "${this.node.path}": \`fifo: ${props.fifo}\` contradicts the given queue, which is ${props.queue.fifo ? 'a FIFO' : 'a standard'} queue. Drop \`fifo\` or pass a matching queue.`,
        this,
      );
    }

    if (props.queue) {
      this.queue = props.queue;
    } else {
      const fifo = props.fifo ?? false;
      this.deadLetterQueue = secureQueue(this, 'DeadLetterQueue', { fifo: fifo || undefined });
      this.queue = secureQueue(this, 'Queue', {
        fifo: fifo || undefined,
        deadLetterQueue: {
          queue: this.deadLetterQueue,
          maxReceiveCount: props.maxReceiveCount ?? OUTBOX_RELAY_DEFAULTS.maxReceiveCount,
        },
      });
      this.deadLetterAlarm = alarmOnAnyMessage(
        this,
        'DeadLetterAlarm',
        this.deadLetterQueue,
        `A consumer of the events of ${props.table.node.path} gave up on a message; see ${this.node.path}/DeadLetterQueue.`,
      );
      acknowledgeTerminalQueue(
        this.deadLetterQueue,
        "This is the dead-letter queue of the events queue's consumers: a message lands here after maxReceiveCount failed receives, and the relay's dead-letter alarm fires.",
        { isDeadLetterQueue: true },
      );
    }
    this.fifo = this.queue.fifo;

    this.failureQueue = secureQueue(this, 'FailureQueue');

    const bundled = createBundledFunction(this, {
      entry: RELAY_ENTRY,
      description: `stepsaga outbox relay: ${props.table.node.path} stream to SQS`,
      serviceName: 'stepsaga-outbox-relay',
      environment: { [RelayEnv.queueUrl]: this.queue.queueUrl },
      timeout: props.timeout ?? DEFAULT_SYSTEM_FUNCTION_TIMEOUT,
      memorySize: props.memorySize ?? OUTBOX_RELAY_DEFAULTS.memorySize,
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    this.function = bundled.function;
    this.role = bundled.role;
    this.logGroup = bundled.logGroup;

    // SendMessageBatch is authorised by sqs:SendMessage; nothing else is needed to relay.
    this.role.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    this.queue.encryptionMasterKey?.grantEncryptDecrypt(this.role);

    this.eventSource = streamRelaySource(props.table, {
      filter: OUTBOX_INSERT_FILTER,
      batchSize: props.batchSize ?? OUTBOX_RELAY_DEFAULTS.batchSize,
      ...(props.maxBatchingWindow ? { maxBatchingWindow: props.maxBatchingWindow } : {}),
      maxRecordAge: props.maxRecordAge ?? OUTBOX_RELAY_DEFAULTS.maxRecordAge,
      retryAttempts: props.retryAttempts ?? OUTBOX_RELAY_DEFAULTS.retryAttempts,
      parallelizationFactor: props.parallelizationFactor ?? OUTBOX_RELAY_DEFAULTS.parallelizationFactor,
      failureQueue: this.failureQueue,
    });
    this.function.addEventSource(this.eventSource);
    acknowledgeTerminalQueue(
      this.failureQueue,
      "This is the relay's on-failure destination: stream records that exhausted their retries arrive here, so it is itself the dead-letter queue, watched by the relay's failure-queue alarm.",
      { isDeadLetterQueue: false },
    );
    acknowledgeNoAsyncInvoke(
      this.function,
      "The relay is invoked by its DynamoDB stream event source mapping; records that keep failing go to the mapping's on-failure queue",
    );

    const thresholdMs = (
      props.iteratorAgeAlarmThreshold ?? OUTBOX_RELAY_DEFAULTS.iteratorAgeAlarmThreshold
    ).toMilliseconds();
    this.iteratorAgeAlarm = this.metricIteratorAge().createAlarm(this, 'IteratorAgeAlarm', {
      alarmDescription: `Outbox events of ${props.table.node.path} wait longer than ${thresholdMs} ms to be relayed.`,
      threshold: thresholdMs,
      evaluationPeriods: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failureQueueAlarm = alarmOnAnyMessage(
      this,
      'FailureQueueAlarm',
      this.failureQueue,
      `Outbox records of ${props.table.node.path} could not be relayed; see ${this.node.path}/FailureQueue.`,
    );
  }

  /** Age of the oldest stream record in the last batch: how far the relay lags behind the table. */
  public metricIteratorAge(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metric('IteratorAge', {
      statistic: 'Maximum',
      period: Duration.minutes(1),
      ...props,
    });
  }
}
