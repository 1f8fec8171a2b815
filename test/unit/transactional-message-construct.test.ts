import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CheckBack, TransactionalMessage } from '../../infra/constructs/index.js';

/** Template assertions need no Lambda asset; skipping esbuild keeps each synth fast. */
function newStack(id: string): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), id);
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

const arnOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [logicalIdOf(stack, construct), 'Arn'],
});

/** Active tracing; X-Ray accepts no resource but `*`. */
const XRAY = {
  Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
  Effect: 'Allow',
  Resource: '*',
};

type Statement = { Action: unknown; Effect: string; Resource: unknown };

/** Every statement of the policies attached to one role. */
function statementsOfRole(template: Template, stack: Stack, role: iam.Role): Statement[] {
  const roleRef = { Ref: logicalIdOf(stack, role) };
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .map(
      (policy) =>
        (policy as { Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } } })
          .Properties,
    )
    .filter((properties) => JSON.stringify(properties.Roles) === JSON.stringify([roleRef]))
    .flatMap((properties) => properties.PolicyDocument.Statement);
}

describe('TransactionalMessage with a webhook check-back and defaults', () => {
  let stack: Stack;
  let tx: TransactionalMessage;
  let template: Template;

  beforeAll(() => {
    stack = newStack('Payments');
    tx = new TransactionalMessage(stack, 'PaymentEvents', {
      checkBack: CheckBack.webhook('https://payments.example.com/tx/check-back'),
    });
    template = Template.fromStack(stack);
  }, 60_000);

  it('keeps messages in a table keyed by message id, with a keys-only pending index, old and new images, TTL and PITR', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'messageId', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'pending',
          KeySchema: [
            { AttributeName: 'pendingShard', KeyType: 'HASH' },
            { AttributeName: 'nextCheckAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      Replicas: [
        Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ],
    });
  });

  it('creates four encrypted, TLS-only, 14-day queues; only the target queue has a redrive policy', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues).sort()).toEqual(
      [tx.queue, tx.consumerDeadLetterQueue!, tx.deadLetterQueue, tx.failureQueue]
        .map((queue) => logicalIdOf(stack, queue))
        .sort(),
    );
    for (const queue of Object.values(queues) as { Properties: Record<string, unknown> }[]) {
      expect(queue.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: arnOf(stack, tx.consumerDeadLetterQueue!), maxReceiveCount: 5 },
    });
    for (const queue of [tx.queue, tx.consumerDeadLetterQueue!, tx.deadLetterQueue, tx.failureQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalIdOf(stack, queue) }],
        PolicyDocument: {
          Statement: [
            {
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Resource: arnOf(stack, queue as sqs.Queue),
            },
          ],
        },
      });
    }
  });

  it('invokes the relay only for prepared messages that became committed or dead-lettered', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack, tx.table), 'StreamArn'] },
      FunctionName: { Ref: logicalIdOf(stack, tx.relay) },
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['MODIFY'],
              dynamodb: {
                OldImage: { state: { S: ['prepared'] } },
                NewImage: { state: { S: ['committed', 'dead-lettered'] } },
              },
            }),
          },
        ],
      },
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 86_400,
      MaximumRetryAttempts: 10,
      StartingPosition: 'TRIM_HORIZON',
      DestinationConfig: { OnFailure: { Destination: arnOf(stack, tx.failureQueue) } },
    });
  });

  it('grants the relay exactly: send to the target and dead-letter queues, update the table, read its stream, write its logs', () => {
    const stream = { 'Fn::GetAtt': [logicalIdOf(stack, tx.table), 'StreamArn'] };
    expect(statementsOfRole(template, stack, tx.relayRole)).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(stack, tx.relay.node.scope!.node.findChild('Logs') as never),
      },
      XRAY,
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: [arnOf(stack, tx.queue as sqs.Queue), arnOf(stack, tx.deadLetterQueue)],
      },
      { Action: 'dynamodb:UpdateItem', Effect: 'Allow', Resource: arnOf(stack, tx.table) },
      // The event source's on-failure destination.
      {
        Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        Effect: 'Allow',
        Resource: arnOf(stack, tx.failureQueue),
      },
      { Action: 'dynamodb:ListStreams', Effect: 'Allow', Resource: stream },
      {
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Effect: 'Allow',
        Resource: stream,
      },
    ]);
  });

  it('grants the sweeper exactly: query the pending index, update the table, write its logs; the webhook needs no grant', () => {
    const statements = statementsOfRole(template, stack, tx.sweeperRole);
    expect(statements).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(stack, tx.sweeper.node.scope!.node.findChild('Logs') as never),
      },
      XRAY,
      {
        Action: 'dynamodb:Query',
        Effect: 'Allow',
        Resource: { 'Fn::Join': ['', [arnOf(stack, tx.table), '/index/pending']] },
      },
      { Action: 'dynamodb:UpdateItem', Effect: 'Allow', Resource: arnOf(stack, tx.table) },
    ]);
  });

  it('runs the sweeper every minute with the RocketMQ check schedule in its environment, and never retries a missed sweep', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: arnOf(stack, tx.sweeper),
          RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 60,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: {
          STEPSAGA_TXMSG_TABLE: { Ref: logicalIdOf(stack, tx.table) },
          STEPSAGA_TXMSG_FIRST_CHECK_AFTER_MS: '6000',
          STEPSAGA_TXMSG_PENDING_SHARDS: '4',
          STEPSAGA_TXMSG_RETENTION_DAYS: '7',
          STEPSAGA_TXMSG_CHECK_BACK_URL: 'https://payments.example.com/tx/check-back',
          STEPSAGA_TXMSG_CHECK_INTERVAL_MS: '60000',
          STEPSAGA_TXMSG_MAX_CHECKS: '15',
          STEPSAGA_TXMSG_CHECK_BACK_TIMEOUT_MS: '5000',
          POWERTOOLS_SERVICE_NAME: 'stepsaga-transactional-message-sweeper',
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STEPSAGA_TXMSG_PRODUCER: 'PaymentEvents',
          STEPSAGA_TXMSG_QUEUE_URL: { Ref: logicalIdOf(stack, tx.queue as sqs.Queue) },
          STEPSAGA_TXMSG_DEAD_LETTER_QUEUE_URL: { Ref: logicalIdOf(stack, tx.deadLetterQueue) },
        }),
      },
    });
  });

  it('alarms on any dead-lettered message, any unrelayed record and any sweeper error', () => {
    for (const queue of [tx.deadLetterQueue, tx.failureQueue]) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Statistic: 'Maximum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        Dimensions: [
          { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, queue), 'QueueName'] } },
        ],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 0,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, tx.sweeper) } }],
    });
  });

  it('gives producers their environment and exactly put/update/get on the table', () => {
    expect(stack.resolve(tx.producerEnvironment)).toEqual({
      STEPSAGA_TXMSG_TABLE: { Ref: logicalIdOf(stack, tx.table) },
      STEPSAGA_TXMSG_FIRST_CHECK_AFTER_MS: '6000',
      STEPSAGA_TXMSG_PENDING_SHARDS: '4',
      STEPSAGA_TXMSG_RETENTION_DAYS: '7',
    });
  });
});

describe('TransactionalMessage options', () => {
  it('grants a producer put/update/get on the table and nothing else', () => {
    const stack = newStack('Producer');
    const tx = new TransactionalMessage(stack, 'Tx', { checkBack: CheckBack.webhook('https://x.example/c') });
    const producer = new lambda.Function(stack, 'Producer', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });
    tx.grantProduce(producer);
    const template = Template.fromStack(stack);
    expect(statementsOfRole(template, stack, producer.role as iam.Role)).toEqual([
      {
        Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
        Effect: 'Allow',
        Resource: arnOf(stack, tx.table),
      },
    ]);
  });

  it('invokes a Lambda check-back with lambda:InvokeFunction on that function only', () => {
    const stack = newStack('LambdaCheckBack');
    const checkBack = new lambda.Function(stack, 'CheckBackFn', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => ({ status: "UNKNOWN" });'),
    });
    const tx = new TransactionalMessage(stack, 'Tx', { checkBack: CheckBack.lambda(checkBack) });
    const template = Template.fromStack(stack);
    const fnArn = arnOf(stack, checkBack);
    expect(statementsOfRole(template, stack, tx.sweeperRole)).toContainEqual({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':*']] }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ STEPSAGA_TXMSG_CHECK_BACK_FUNCTION: fnArn }) },
    });
  });

  it('creates a FIFO target queue with a FIFO consumer dead-letter queue when asked', () => {
    const stack = newStack('Fifo');
    const tx = new TransactionalMessage(stack, 'Tx', {
      checkBack: CheckBack.webhook('https://x.example/c'),
      fifo: true,
      maxChecks: 5,
      checkInterval: Duration.minutes(2),
    });
    expect(tx.fifo).toBe(true);
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SQS::Queue', {
      FifoQueue: true,
      RedrivePolicy: Match.objectLike({}),
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true, RedrivePolicy: Match.absent() });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STEPSAGA_TXMSG_MAX_CHECKS: '5',
          STEPSAGA_TXMSG_CHECK_INTERVAL_MS: '120000',
        }),
      },
    });
  });

  it('sends to a given queue and creates no target queue of its own', () => {
    const stack = newStack('OwnQueue');
    const queue = new sqs.Queue(stack, 'Orders', { enforceSSL: true });
    const tx = new TransactionalMessage(stack, 'Tx', {
      checkBack: CheckBack.webhook('https://x.example/c'),
      queue,
    });
    expect(tx.queue).toBe(queue);
    expect(tx.consumerDeadLetterQueue).toBeUndefined();
    expect(Object.keys(Template.fromStack(stack).findResources('AWS::SQS::Queue'))).toHaveLength(3);
  });
});

describe('TransactionalMessage validation', () => {
  const build = (props: Partial<ConstructorParameters<typeof TransactionalMessage>[2]>) => () =>
    new TransactionalMessage(newStack('Invalid'), 'Tx', {
      checkBack: CheckBack.webhook('https://x.example/c'),
      ...props,
    });

  it('refuses a check interval shorter than the one-minute sweep', () => {
    expect(build({ checkInterval: Duration.seconds(30) })).toThrow(
      'TransactionalMessage "Invalid/Tx": `checkInterval` (30 s) is shorter than the sweep period (60 s). The sweeper runs once a minute, EventBridge\'s finest schedule, so checks cannot be closer together. Use at least Duration.seconds(60).',
    );
  });

  it('refuses a check-back timeout that leaves the sweeper less than 10 s', () => {
    expect(build({ checkBackTimeout: Duration.seconds(55) })).toThrow(
      'TransactionalMessage "Invalid/Tx": `checkBackTimeout` (55 s) must be at least 10 s shorter than `sweeperTimeout` (60 s), so that a hanging check-back cannot outlive the sweep that claimed it. Lower `checkBackTimeout` or raise `sweeperTimeout`.',
    );
  });

  it('refuses a first check later than one day', () => {
    expect(build({ firstCheckAfter: Duration.days(2) })).toThrow(
      'TransactionalMessage "Invalid/Tx": `firstCheckAfter` (172800 s) is longer than one day; a prepared message would wait that long before anyone asks about it. Use at most Duration.days(1).',
    );
  });

  it('refuses out-of-range counts with the bad value and the range', () => {
    expect(build({ maxChecks: 0 })).toThrow(
      'TransactionalMessage "Invalid/Tx": `maxChecks` must be a whole number from 1 to 1000 (got 0). Pick a value in that range or leave it unset for the default.',
    );
    expect(build({ pendingShards: 101 })).toThrow(
      'TransactionalMessage "Invalid/Tx": `pendingShards` must be a whole number from 1 to 100 (got 101). Pick a value in that range or leave it unset for the default.',
    );
    expect(build({ maxChecks: 2.5 })).toThrow('`maxChecks` must be a whole number from 1 to 1000 (got 2.5)');
  });

  it('refuses a fifo flag that contradicts the given queue', () => {
    expect(() => {
      const stack = newStack('Invalid');
      new TransactionalMessage(stack, 'Tx', {
        checkBack: CheckBack.webhook('https://x.example/c'),
        queue: new sqs.Queue(stack, 'Standard'),
        fifo: true,
      });
    }).toThrow(
      'TransactionalMessage "Invalid/Tx": `fifo: true` contradicts the given queue, which is a standard queue. Drop `fifo` or pass a matching queue.',
    );
  });
});
