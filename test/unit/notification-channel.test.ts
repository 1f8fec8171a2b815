import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  NotificationChannel,
  NotificationTarget,
} from '../../infra/constructs/notification-channel/index.js';

/** Template assertions need no Lambda asset; skipping esbuild keeps each synth fast. */
function newStack(id: string): Stack {
  return new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), id);
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

type Statement = { Action: unknown; Effect: string; Resource: unknown };

function statementsOf(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) =>
      (policy as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
}

describe('NotificationChannel to a signed webhook', () => {
  let stack: Stack;
  let channel: NotificationChannel;
  let secret: secretsmanager.Secret;
  let template: Template;

  beforeAll(() => {
    stack = newStack('Channel');
    secret = new secretsmanager.Secret(stack, 'SigningSecret');
    channel = new NotificationChannel(stack, 'Shipping', {
      target: NotificationTarget.webhook('https://example.com/hooks/orders', { signingSecret: secret }),
    });
    template = Template.fromStack(stack);
  }, 60_000);

  it('creates an encrypted queue with visibility 6 × the notifier timeout and a 14-day dead-letter queue after 5 receives', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 180,
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(stack, channel.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
      RedrivePolicy: Match.absent(),
    });
    for (const queue of [channel.queue, channel.deadLetterQueue]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: logicalIdOf(stack, queue) }],
        PolicyDocument: {
          Statement: [
            {
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Resource: { 'Fn::GetAtt': [logicalIdOf(stack, queue), 'Arn'] },
            },
          ],
        },
      });
    }
  });

  it('feeds the notifier from the queue with partial batch failures and passes its settings as environment', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack, channel.queue), 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 30,
      TracingConfig: { Mode: 'Active' },
      Environment: {
        Variables: Match.objectLike({
          STEPSAGA_WEBHOOK_URL: 'https://example.com/hooks/orders',
          STEPSAGA_SIGNING_SECRET_ARN: { Ref: logicalIdOf(stack, secret) },
          STEPSAGA_NOTIFICATION_QUEUE_URL: { Ref: logicalIdOf(stack, channel.queue) },
          STEPSAGA_NOTIFICATION_STATUS_TABLE: { Ref: logicalIdOf(stack, channel.statusTable) },
          STEPSAGA_MAX_RECEIVE_COUNT: '5',
          STEPSAGA_BACKOFF_BASE_SECONDS: '10',
          STEPSAGA_BACKOFF_MAX_SECONDS: '900',
          STEPSAGA_DELIVERY_TIMEOUT_MS: '10000',
          STEPSAGA_STATUS_RETENTION_DAYS: '30',
        }),
      },
    });
  });

  it('grants the notifier exactly: consume its queue, get/update its status table, read the signing secret', () => {
    const statements = statementsOf(template);
    expect(statements).toContainEqual({
      Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalIdOf(stack, channel.statusTable), 'Arn'] },
    });
    expect(statements).toContainEqual({
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { Ref: logicalIdOf(stack, secret) },
    });
    expect(statements).toContainEqual({
      Action: [
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueUrl',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalIdOf(stack, channel.queue), 'Arn'] },
    });
    // Nothing reaches the dead-letter queue but SQS itself.
    expect(JSON.stringify(statements)).not.toContain(logicalIdOf(stack, channel.deadLetterQueue));
  });

  it('keeps status records in a table keyed by notification id with TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'notificationId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('alarms on any message in the dead-letter queue and on notifier errors', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalIdOf(stack, channel.deadLetterQueue), 'QueueName'] },
        },
      ],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, channel.notifier) } }],
    });
  });
});

describe('NotificationChannel targets and validation', () => {
  it('invokes a Lambda target with lambda:InvokeFunction on that function only', () => {
    const stack = newStack('LambdaTarget');
    const target = new lambda.Function(stack, 'Target', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });
    const channel = new NotificationChannel(stack, 'Channel', { target: NotificationTarget.lambda(target) });
    const template = Template.fromStack(stack);
    const targetArn = { 'Fn::GetAtt': [logicalIdOf(stack, target), 'Arn'] };
    expect(statementsOf(template)).toContainEqual({
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: [targetArn, { 'Fn::Join': ['', [targetArn, ':*']] }],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Environment: { Variables: Match.objectLike({ STEPSAGA_TARGET_FUNCTION: targetArn }) },
    });
    expect(channel.maxReceiveCount).toBe(5);
  });

  it('reads a signing secret from an SSM parameter by name', () => {
    const stack = newStack('Ssm');
    const parameter = ssm.StringParameter.fromStringParameterName(stack, 'Param', '/orders/webhook-secret');
    new NotificationChannel(stack, 'Channel', {
      target: NotificationTarget.webhook('https://example.com/h', { signingSecret: parameter }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ STEPSAGA_SIGNING_PARAMETER_NAME: '/orders/webhook-secret' }),
      },
    });
    expect(JSON.stringify(statementsOf(template))).toContain('parameter/orders/webhook-secret');
  });

  it('refuses a visibility timeout shorter than 6 × the notifier timeout, naming both values', () => {
    const stack = newStack('Short');
    expect(
      () =>
        new NotificationChannel(stack, 'Channel', {
          target: NotificationTarget.webhook('https://example.com/h'),
          notifierTimeout: Duration.seconds(20),
          visibilityTimeout: Duration.seconds(60),
        }),
    ).toThrow(
      'NotificationChannel "Short/Channel": the queue\'s visibility timeout (60 s) must be at least 6 × the notifier\'s timeout (6 × 20 s = 120 s), or a message still being delivered reappears and is delivered twice. Raise `visibilityTimeout` to at least 120 s or lower `notifierTimeout`.',
    );
  });

  it('refuses a delivery timeout that is not shorter than the notifier timeout', () => {
    const stack = newStack('Slow');
    expect(
      () =>
        new NotificationChannel(stack, 'Channel', {
          target: NotificationTarget.webhook('https://example.com/h'),
          notifierTimeout: Duration.seconds(10),
          deliveryTimeout: Duration.seconds(10),
        }),
    ).toThrow(
      'NotificationChannel "Slow/Channel": `deliveryTimeout` (10 s) must be shorter than `notifierTimeout` (10 s), so that a hanging target fails the attempt instead of the whole invocation. Lower `deliveryTimeout` or raise `notifierTimeout`.',
    );
  });

  it('grants redrive: message move on the dead-letter queue and send on the channel queue', () => {
    const stack = newStack('Redrive');
    const channel = new NotificationChannel(stack, 'Channel', {
      target: NotificationTarget.webhook('https://e.com'),
    });
    const operator = new lambda.Function(stack, 'Operator', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('export const handler = async () => {};'),
    });
    channel.grantRedrive(operator);
    const statements = statementsOf(Template.fromStack(stack));
    expect(statements).toContainEqual({
      Action: [
        'sqs:StartMessageMoveTask',
        'sqs:ListMessageMoveTasks',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      ],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalIdOf(stack, channel.deadLetterQueue), 'Arn'] },
    });
  });
});
