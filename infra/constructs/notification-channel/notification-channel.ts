import { Duration, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NotifierEnv } from '../../../functions/notifier/config.js';
import { createBundledFunction } from '../shared/bundled-function.js';
import { alarmOnAnyError, alarmOnAnyMessage } from '../shared/first-occurrence-alarms.js';
import {
  acknowledgeNoAsyncInvoke,
  acknowledgeSqsMappings,
  acknowledgeTerminalQueue,
} from '../shared/inherent-findings.js';
import { libraryHandlerEntry } from '../shared/library-handler.js';
import { secureQueue } from '../shared/secure-queue.js';
import { StepsagaValidationError } from '../shared/validation-error.js';
import type { NotificationChannelProps } from './notification-channel-props.js';

export const NOTIFICATION_CHANNEL_DEFAULTS = {
  maxReceiveCount: 5,
  notifierTimeout: Duration.seconds(30),
  deliveryTimeout: Duration.seconds(10),
  backoffBase: Duration.seconds(10),
  backoffMax: Duration.minutes(15),
  batchSize: 10,
  statusRetention: Duration.days(30),
  memorySize: 256,
} as const;

/** AWS's guidance for SQS event sources: visibility ≥ 6 × the function timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

const NOTIFIER_ENTRY = libraryHandlerEntry('notifier/handler');
const MAX_VISIBILITY = Duration.hours(12);

/**
 * Best-effort notification: an SQS queue whose notifier delivers each message to a webhook or a
 * Lambda function, retrying with exponential backoff (by resetting the message's visibility) and
 * giving up into a dead-letter queue after `maxReceiveCount` attempts. A status table records each
 * notification's state and last error; `redriveDeadLetters` (functions/notifier) moves dead letters back.
 */
export class NotificationChannel extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly statusTable: dynamodb.TableV2;
  public readonly notifier: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly notifierErrorsAlarm: cloudwatch.Alarm;
  public readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: NotificationChannelProps) {
    super(scope, id);
    const where = `NotificationChannel "${this.node.path}"`;
    const notifierTimeout = props.notifierTimeout ?? NOTIFICATION_CHANNEL_DEFAULTS.notifierTimeout;
    const visibilityTimeout =
      props.visibilityTimeout ?? Duration.seconds(notifierTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR);
    const deliveryTimeout = props.deliveryTimeout ?? NOTIFICATION_CHANNEL_DEFAULTS.deliveryTimeout;
    const backoffBase = props.backoffBase ?? NOTIFICATION_CHANNEL_DEFAULTS.backoffBase;
    const backoffMax = props.backoffMax ?? NOTIFICATION_CHANNEL_DEFAULTS.backoffMax;
    this.maxReceiveCount = props.maxReceiveCount ?? NOTIFICATION_CHANNEL_DEFAULTS.maxReceiveCount;
    const batchSize = props.batchSize ?? NOTIFICATION_CHANNEL_DEFAULTS.batchSize;
    const known = (...values: Duration[]) => values.every((value) => !value.isUnresolved());

    if (known(notifierTimeout, visibilityTimeout)) {
      const minimum = notifierTimeout.toSeconds() * VISIBILITY_TIMEOUT_FACTOR;
      if (visibilityTimeout.toSeconds() < minimum) {
        throw new StepsagaValidationError(
          `${where}: the queue's visibility timeout (${visibilityTimeout.toSeconds()} s) must be at least ${VISIBILITY_TIMEOUT_FACTOR} × the notifier's timeout (${VISIBILITY_TIMEOUT_FACTOR} × ${notifierTimeout.toSeconds()} s = ${minimum} s), or a message still being delivered reappears and is delivered twice. Raise \`visibilityTimeout\` to at least ${minimum} s or lower \`notifierTimeout\`.`,
          this,
        );
      }
    }
    if (
      known(deliveryTimeout, notifierTimeout) &&
      deliveryTimeout.toMilliseconds() >= notifierTimeout.toMilliseconds()
    ) {
      throw new StepsagaValidationError(
        `${where}: \`deliveryTimeout\` (${deliveryTimeout.toSeconds()} s) must be shorter than \`notifierTimeout\` (${notifierTimeout.toSeconds()} s), so that a hanging target fails the attempt instead of the whole invocation. Lower \`deliveryTimeout\` or raise \`notifierTimeout\`.`,
        this,
      );
    }
    if (known(backoffBase, backoffMax)) {
      if (
        backoffBase.toSeconds() < 1 ||
        backoffMax.toSeconds() < backoffBase.toSeconds() ||
        backoffMax.toSeconds() > MAX_VISIBILITY.toSeconds()
      ) {
        throw new StepsagaValidationError(
          `${where}: the backoff must satisfy 1 s ≤ backoffBase ≤ backoffMax ≤ 12 h (got backoffBase ${backoffBase.toSeconds()} s, backoffMax ${backoffMax.toSeconds()} s), because each delay becomes a message's visibility timeout.`,
          this,
        );
      }
    }
    for (const [name, value, min, max] of [
      ['maxReceiveCount', this.maxReceiveCount, 1, 1_000],
      ['batchSize', batchSize, 1, 10],
    ] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < min || value > max)) {
        throw new StepsagaValidationError(
          `${where}: \`${name}\` must be a whole number from ${min} to ${max} (got ${value}).`,
          this,
        );
      }
    }

    this.deadLetterQueue = secureQueue(this, 'DeadLetterQueue');
    this.queue = secureQueue(this, 'Queue', {
      visibilityTimeout,
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });

    this.statusTable = new dynamodb.TableV2(this, 'StatusTable', {
      partitionKey: { name: 'notificationId', type: dynamodb.AttributeType.STRING },
      timeToLiveAttribute: 'expiresAt',
      billing: dynamodb.Billing.onDemand(),
      encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      ...(props.statusTableRemovalPolicy ? { removalPolicy: props.statusTableRemovalPolicy } : {}),
    });

    const bundled = createBundledFunction(this, {
      entry: NOTIFIER_ENTRY,
      description: `stepsaga notifier of ${this.node.path}`,
      serviceName: 'stepsaga-notifier',
      environment: {},
      timeout: notifierTimeout,
      memorySize: props.memorySize ?? NOTIFICATION_CHANNEL_DEFAULTS.memorySize,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.notifier = bundled.function;
    this.role = bundled.role;
    this.logGroup = bundled.logGroup;

    const statusRetention = props.statusRetention ?? NOTIFICATION_CHANNEL_DEFAULTS.statusRetention;
    const environment: Record<string, string> = {
      ...props.target.bind(this.role),
      [NotifierEnv.queueUrl]: this.queue.queueUrl,
      [NotifierEnv.statusTable]: this.statusTable.tableName,
      [NotifierEnv.maxReceiveCount]: String(this.maxReceiveCount),
      [NotifierEnv.backoffBaseSeconds]: String(backoffBase.toSeconds()),
      [NotifierEnv.backoffMaxSeconds]: String(backoffMax.toSeconds()),
      [NotifierEnv.deliveryTimeoutMs]: String(deliveryTimeout.toMilliseconds()),
      [NotifierEnv.statusRetentionDays]: String(
        Math.max(1, Math.round(statusRetention.toDays({ integral: false }))),
      ),
    };
    for (const [name, value] of Object.entries(environment)) this.notifier.addEnvironment(name, value);

    // Reading the status before an attempt and updating it after; nothing else on the table.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [this.statusTable.tableArn],
      }),
    );
    this.notifier.addEventSource(
      new sources.SqsEventSource(this.queue, { batchSize, reportBatchItemFailures: true }),
    );
    acknowledgeSqsMappings(this.notifier);
    acknowledgeNoAsyncInvoke(
      this.notifier,
      "The notifier is invoked by its SQS event source mapping; a notification that keeps failing moves to the channel's dead-letter queue by the redrive policy",
    );
    acknowledgeTerminalQueue(
      this.deadLetterQueue,
      "This is the channel's dead-letter queue: notifications land here after their last attempt, the channel's alarm fires, and an operator redrives them.",
      { isDeadLetterQueue: true },
    );

    this.deadLetterAlarm = alarmOnAnyMessage(
      this,
      'DeadLetterAlarm',
      this.deadLetterQueue,
      `Notifications of ${this.node.path} gave up after ${this.maxReceiveCount} attempts; inspect the status table and redrive.`,
    );
    this.notifierErrorsAlarm = alarmOnAnyError(
      this,
      'NotifierErrorsAlarm',
      this.notifier,
      `The notifier of ${this.node.path} fails (configuration, permissions or status table), not just its deliveries.`,
    );
  }

  /** Lets `grantee` publish notifications (send to the queue and record them as pending). */
  public grantPublish(grantee: iam.IGrantable): iam.Grant {
    this.statusTable.grant(grantee, 'dynamodb:PutItem');
    return this.queue.grantSendMessages(grantee);
  }

  /** Lets `grantee` call `getNotificationStatus` against this channel's status table. */
  public grantReadStatus(grantee: iam.IGrantable): iam.Grant {
    return this.statusTable.grant(grantee, 'dynamodb:GetItem');
  }

  /** Lets `grantee` run `redriveDeadLetters` from this channel's dead-letter queue. */
  public grantRedrive(grantee: iam.IGrantable): iam.Grant {
    this.queue.grantSendMessages(grantee);
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [
        'sqs:StartMessageMoveTask',
        'sqs:ListMessageMoveTasks',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      resourceArns: [this.deadLetterQueue.queueArn],
    });
  }
}
