import { Duration, Token, Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { TransactionalMessageEnv as Env } from '../../../functions/transactional-message/config.js';
import { HoldingTable } from '../../../functions/transactional-message/message-item.js';
import { createBundledFunction } from '../shared/bundled-function.js';
import { alarmOnAnyError, alarmOnAnyMessage } from '../shared/first-occurrence-alarms.js';
import { acknowledgeNoAsyncInvoke, acknowledgeTerminalQueue } from '../shared/inherent-findings.js';
import { libraryHandlerEntry } from '../shared/library-handler.js';
import { secureQueue } from '../shared/secure-queue.js';
import { streamRelaySource } from '../shared/stream-relay-source.js';
import { StepsagaValidationError } from '../shared/validation-error.js';
import type { TransactionalMessageProps } from './transactional-message-props.js';

export const TRANSACTIONAL_MESSAGE_DEFAULTS = {
  firstCheckAfter: Duration.seconds(6),
  checkInterval: Duration.seconds(60),
  maxChecks: 15,
  checkBackTimeout: Duration.seconds(5),
  sweeperTimeout: Duration.seconds(60),
  pendingShards: 4,
  retention: Duration.days(7),
  maxReceiveCount: 5,
  batchSize: 100,
  retryAttempts: 10,
  maxRecordAge: Duration.days(1),
  memorySize: 256,
} as const;

/** EventBridge's finest schedule; the sweeper cannot check more often than it runs. */
export const SWEEP_PERIOD = Duration.minutes(1);

/** Time the sweeper keeps free after its last check-back (see functions/transactional-message/sweeper-handler.ts). */
const SWEEPER_MARGIN = Duration.seconds(10);

/** The only records the relay is invoked for: a prepared message that became committed or dead-lettered. */
export const RESOLVED_MESSAGE_FILTER = {
  eventName: lambda.FilterRule.isEqual('MODIFY'),
  dynamodb: {
    OldImage: { state: { S: lambda.FilterRule.isEqual('prepared') } },
    NewImage: { state: { S: lambda.FilterRule.or('committed', 'dead-lettered') } },
  },
};

const RELAY_ENTRY = libraryHandlerEntry('transactional-message/relay-handler');
const SWEEPER_ENTRY = libraryHandlerEntry('transactional-message/sweeper-handler');

/**
 * Transactional messages with check-back (RocketMQ's half messages) for producers whose local
 * transaction is not in DynamoDB.
 *
 * A producer prepares a message in the holding table, runs its local transaction, then commits or
 * rolls the message back (functions/transactional-message `createTransactionalMessageClient`).
 * The table's stream feeds a relay that sends committed messages to {@link queue}. A sweeper, run
 * every minute by an EventBridge rule, asks the producer's check-back about messages still prepared
 * after `firstCheckAfter`, every `checkInterval`, at most `maxChecks` times; then the message goes to
 * {@link deadLetterQueue} with the reason, and an alarm fires.
 */
export class TransactionalMessage extends Construct {
  /** The holding table: one item per message (see docs/transactional-messages.md). */
  public readonly table: dynamodb.TableV2;
  /** Where committed messages go. */
  public readonly queue: sqs.IQueue;
  /** The dead-letter queue of {@link queue}'s consumers, when this construct created the queue. */
  public readonly consumerDeadLetterQueue?: sqs.Queue;
  /** Messages nobody could resolve: the check-back never answered COMMIT or ROLLBACK. */
  public readonly deadLetterQueue: sqs.Queue;
  /** Stream records the relay could not process (metadata only). */
  public readonly failureQueue: sqs.Queue;
  public readonly relay: nodejs.NodejsFunction;
  public readonly relayRole: iam.Role;
  public readonly sweeper: nodejs.NodejsFunction;
  public readonly sweeperRole: iam.Role;
  public readonly sweepSchedule: events.Rule;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly failureQueueAlarm: cloudwatch.Alarm;
  public readonly sweeperErrorsAlarm: cloudwatch.Alarm;
  /** Fires when a consumer's message lands in {@link consumerDeadLetterQueue}; only when this construct created the queue. */
  public readonly consumerDeadLetterAlarm?: cloudwatch.Alarm;
  public readonly fifo: boolean;
  /**
   * The environment a producer's function needs for `createTransactionalMessageClient()` without
   * options; add it with `fn.addEnvironment` and call {@link grantProduce}.
   */
  public readonly producerEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: TransactionalMessageProps) {
    super(scope, id);
    const where = `TransactionalMessage "${this.node.path}"`;
    const d = TRANSACTIONAL_MESSAGE_DEFAULTS;
    const firstCheckAfter = props.firstCheckAfter ?? d.firstCheckAfter;
    const checkInterval = props.checkInterval ?? d.checkInterval;
    const maxChecks = props.maxChecks ?? d.maxChecks;
    const checkBackTimeout = props.checkBackTimeout ?? d.checkBackTimeout;
    const sweeperTimeout = props.sweeperTimeout ?? d.sweeperTimeout;
    const pendingShards = props.pendingShards ?? d.pendingShards;
    const retention = props.retention ?? d.retention;
    const known = (...values: Duration[]) => values.every((value) => !value.isUnresolved());

    if (known(checkInterval) && checkInterval.toMilliseconds() < SWEEP_PERIOD.toMilliseconds()) {
      throw new StepsagaValidationError(
        `${where}: \`checkInterval\` (${checkInterval.toSeconds()} s) is shorter than the sweep period (60 s). The sweeper runs once a minute, EventBridge's finest schedule, so checks cannot be closer together. Use at least Duration.seconds(60).`,
        this,
      );
    }
    if (known(firstCheckAfter) && firstCheckAfter.toMilliseconds() > Duration.days(1).toMilliseconds()) {
      throw new StepsagaValidationError(
        `${where}: \`firstCheckAfter\` (${firstCheckAfter.toSeconds()} s) is longer than one day; a prepared message would wait that long before anyone asks about it. Use at most Duration.days(1).`,
        this,
      );
    }
    if (
      known(checkBackTimeout, sweeperTimeout) &&
      checkBackTimeout.toMilliseconds() + SWEEPER_MARGIN.toMilliseconds() > sweeperTimeout.toMilliseconds()
    ) {
      throw new StepsagaValidationError(
        `${where}: \`checkBackTimeout\` (${checkBackTimeout.toSeconds()} s) must be at least 10 s shorter than \`sweeperTimeout\` (${sweeperTimeout.toSeconds()} s), so that a hanging check-back cannot outlive the sweep that claimed it. Lower \`checkBackTimeout\` or raise \`sweeperTimeout\`.`,
        this,
      );
    }
    if (known(checkBackTimeout) && checkBackTimeout.toMilliseconds() < 1_000) {
      throw new StepsagaValidationError(
        `${where}: \`checkBackTimeout\` must be at least 1 s (got ${checkBackTimeout.toMilliseconds()} ms).`,
        this,
      );
    }
    for (const [name, value, min, max] of [
      ['maxChecks', maxChecks, 1, 1_000],
      ['pendingShards', pendingShards, 1, 100],
      ['maxReceiveCount', props.maxReceiveCount, 1, 1_000],
      ['batchSize', props.batchSize, 1, 10_000],
      ['retryAttempts', props.retryAttempts, 0, 10_000],
    ] as const) {
      if (value === undefined || Token.isUnresolved(value)) continue;
      if (!Number.isInteger(value) || value < min || value > max) {
        throw new StepsagaValidationError(
          `${where}: \`${name}\` must be a whole number from ${min} to ${max} (got ${value}). Pick a value in that range or leave it unset for the default.`,
          this,
        );
      }
    }
    if (props.queue && props.fifo !== undefined && props.queue.fifo !== props.fifo) {
      throw new StepsagaValidationError(
        `${where}: \`fifo: ${props.fifo}\` contradicts the given queue, which is ${props.queue.fifo ? 'a FIFO' : 'a standard'} queue. Drop \`fifo\` or pass a matching queue.`,
        this,
      );
    }

    this.table = new dynamodb.TableV2(this, 'Table', {
      partitionKey: { name: HoldingTable.partitionKey, type: dynamodb.AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: HoldingTable.pendingIndex,
          partitionKey: { name: HoldingTable.pendingIndexPartitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: { name: HoldingTable.pendingIndexSortKey, type: dynamodb.AttributeType.NUMBER },
          // Keys only: the index is written twice per message, so it must stay small; the sweeper
          // reads the whole item when it claims the check.
          projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        },
      ],
      dynamoStream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      timeToLiveAttribute: HoldingTable.ttlAttribute,
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(props.tableRemovalPolicy ? { removalPolicy: props.tableRemovalPolicy } : {}),
    });

    if (props.queue) {
      this.queue = props.queue;
    } else {
      const fifo = props.fifo ?? false;
      this.consumerDeadLetterQueue = secureQueue(this, 'ConsumerDeadLetterQueue', {
        fifo: fifo || undefined,
      });
      this.queue = secureQueue(this, 'Queue', {
        fifo: fifo || undefined,
        deadLetterQueue: {
          queue: this.consumerDeadLetterQueue,
          maxReceiveCount: props.maxReceiveCount ?? d.maxReceiveCount,
        },
      });
    }
    this.fifo = this.queue.fifo;
    this.deadLetterQueue = secureQueue(this, 'DeadLetterQueue');
    this.failureQueue = secureQueue(this, 'FailureQueue');

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const memorySize = props.memorySize ?? d.memorySize;
    const retentionDays = String(Math.max(1, Math.round(retention.toDays({ integral: false }))));
    const producerName = props.producerName ?? id;
    this.producerEnvironment = {
      [Env.tableName]: this.table.tableName,
      [Env.firstCheckAfterMs]: String(firstCheckAfter.toMilliseconds()),
      [Env.pendingShards]: String(pendingShards),
      [Env.retentionDays]: retentionDays,
    };

    const relay = createBundledFunction(new Construct(this, 'Relay'), {
      entry: RELAY_ENTRY,
      description: `stepsaga transactional message relay of ${this.node.path}`,
      serviceName: 'stepsaga-transactional-message-relay',
      environment: {
        [Env.tableName]: this.table.tableName,
        [Env.producerName]: producerName,
        [Env.queueUrl]: this.queue.queueUrl,
        [Env.deadLetterQueueUrl]: this.deadLetterQueue.queueUrl,
      },
      timeout: Duration.seconds(30),
      memorySize,
      logRetention,
    });
    this.relay = relay.function;
    this.relayRole = relay.role;
    // SendMessageBatch is authorised by sqs:SendMessage; UpdateItem marks a sent message delivered.
    this.relayRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn, this.deadLetterQueue.queueArn],
      }),
    );
    this.queue.encryptionMasterKey?.grantEncryptDecrypt(this.relayRole);
    this.relayRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.table.tableArn] }),
    );
    this.relay.addEventSource(
      streamRelaySource(this.table, {
        filter: RESOLVED_MESSAGE_FILTER,
        batchSize: props.batchSize ?? d.batchSize,
        maxRecordAge: props.maxRecordAge ?? d.maxRecordAge,
        retryAttempts: props.retryAttempts ?? d.retryAttempts,
        failureQueue: this.failureQueue,
      }),
    );

    const sweeper = createBundledFunction(new Construct(this, 'Sweeper'), {
      entry: SWEEPER_ENTRY,
      description: `stepsaga transactional message check-back sweeper of ${this.node.path}`,
      serviceName: 'stepsaga-transactional-message-sweeper',
      environment: {},
      timeout: sweeperTimeout,
      memorySize,
      logRetention,
    });
    this.sweeper = sweeper.function;
    this.sweeperRole = sweeper.role;
    const sweeperEnvironment: Record<string, string> = {
      ...this.producerEnvironment,
      ...props.checkBack.bind(this.sweeperRole),
      [Env.checkIntervalMs]: String(checkInterval.toMilliseconds()),
      [Env.maxChecks]: String(maxChecks),
      [Env.checkBackTimeoutMs]: String(checkBackTimeout.toMilliseconds()),
    };
    for (const [name, value] of Object.entries(sweeperEnvironment)) this.sweeper.addEnvironment(name, value);
    // Query the pending index for due checks; UpdateItem claims, resolves and dead-letters.
    this.sweeperRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${this.table.tableArn}/index/${HoldingTable.pendingIndex}`],
      }),
    );
    this.sweeperRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [this.table.tableArn] }),
    );
    this.sweepSchedule = new events.Rule(this, 'SweepSchedule', {
      description: `Runs the check-back sweeper of ${this.node.path} every minute.`,
      schedule: events.Schedule.rate(SWEEP_PERIOD),
      // A missed sweep is replaced by the next one a minute later; retrying it would only overlap.
      targets: [
        new targets.LambdaFunction(this.sweeper, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
      ],
    });

    this.deadLetterAlarm = alarmOnAnyMessage(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `Transactional messages of ${this.node.path} stayed unresolved after ${maxChecks} check-backs; each message in ${this.node.path}/DeadLetterQueue names the transaction and the last answer.`,
    );
    this.failureQueueAlarm = alarmOnAnyMessage(
      this,
      'FailureQueueAlarm',
      this.failureQueue,
      `Resolved transactional messages of ${this.node.path} could not be relayed; see ${this.node.path}/FailureQueue.`,
    );
    this.sweeperErrorsAlarm = alarmOnAnyError(
      this,
      'SweeperErrorsAlarm',
      this.sweeper,
      `The check-back sweeper of ${this.node.path} fails (configuration, permissions or table), so prepared messages are not checked.`,
    );
    if (this.consumerDeadLetterQueue) {
      this.consumerDeadLetterAlarm = alarmOnAnyMessage(
        this,
        'ConsumerDeadLetterAlarm',
        this.consumerDeadLetterQueue,
        `A consumer of ${this.node.path}'s messages gave up on one; see ${this.node.path}/ConsumerDeadLetterQueue.`,
      );
    }
    this.acknowledgeInherentFindings();
  }

  /** cdk-nag findings that follow from how this construct builds its resources; see shared/inherent-findings. */
  private acknowledgeInherentFindings(): void {
    acknowledgeNoAsyncInvoke(
      this.relay,
      'The relay is invoked only by its DynamoDB stream event source mapping',
    );
    const noEventData =
      'The schedule event carries no data: a lost or failed sweep loses nothing, because prepared messages stay in the pending index until a later sweep, a minute on, checks them.';
    Validations.of(this.sweeper).acknowledge({ id: 'Serverless-LambdaDLQ', reason: noEventData });
    Validations.of(this.sweepSchedule).acknowledge({ id: 'Serverless-EventBusDLQ', reason: noEventData });
    acknowledgeTerminalQueue(
      this.deadLetterQueue,
      'This queue is itself a dead-letter queue: messages whose check-backs never answered COMMIT or ROLLBACK land here, watched by the dead-letter alarm, for an operator to settle.',
      { isDeadLetterQueue: false },
    );
    acknowledgeTerminalQueue(
      this.failureQueue,
      "This is the relay's on-failure destination: stream records that exhausted their retries arrive here, so it is itself the dead-letter queue, watched by the failure-queue alarm.",
      { isDeadLetterQueue: false },
    );
    if (this.consumerDeadLetterQueue) {
      acknowledgeTerminalQueue(
        this.consumerDeadLetterQueue,
        'This is the dead-letter queue of the message queue: messages a consumer keeps failing on arrive here after maxReceiveCount receives, watched by the consumer dead-letter alarm, for an operator to redrive.',
        { isDeadLetterQueue: true },
      );
    }
  }

  /** Lets `grantee` prepare, commit, roll back and read the status of messages. */
  public grantProduce(grantee: iam.IGrantable): iam.Grant {
    // Table.grant would add the indexes too; a producer only touches its own items by key.
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
      resourceArns: [this.table.tableArn],
    });
  }
}
