import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OutboxRelay } from '../../infra/constructs/outbox-relay/index.js';

/** Template assertions need no Lambda asset; skipping esbuild keeps each synth fast. */
function newApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] } });
}

function participantTable(stack: Stack, stream = true): dynamodb.TableV2 {
  return new dynamodb.TableV2(stack, 'Table', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    ...(stream ? { dynamoStream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
  });
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

describe('OutboxRelay with a created standard queue', () => {
  let stack: Stack;
  let template: Template;
  let relay: OutboxRelay;

  beforeAll(() => {
    stack = new Stack(newApp(), 'Relay');
    relay = new OutboxRelay(stack, 'Relay', { table: participantTable(stack) });
    template = Template.fromStack(stack);
  }, 60_000);

  it('invokes the relay for outbox inserts only, with bisect, partial failures, bounded age and retries, and an SQS on-failure destination', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.node.findChild('Table')), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 100,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRecordAgeInSeconds: 86_400,
      MaximumRetryAttempts: 10,
      ParallelizationFactor: 1,
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { NewImage: { itemType: { S: ['outbox'] } } },
            }),
          },
        ],
      },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(stack, relay.failureQueue), 'Arn'] } },
      },
    });
  });

  it('runs the bundled relay on Node 22 arm64 with tracing, its own log group, and the queue URL in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: logicalIdOf(stack, relay.logGroup) } },
      Environment: {
        Variables: Match.objectLike({ STEPSAGA_OUTBOX_QUEUE_URL: { Ref: logicalIdOf(stack, relay.queue) } }),
      },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('grants the relay sqs:SendMessage on the target queue only, stream reads on the table stream, and writes to its own log group', () => {
    const queueArn = { 'Fn::GetAtt': [logicalIdOf(stack, relay.queue), 'Arn'] };
    const streamArn = { 'Fn::GetAtt': [logicalIdOf(stack, stack.node.findChild('Table')), 'StreamArn'] };
    const policies = template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument
          .Statement,
    );
    expect(statements).toContainEqual({ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: queueArn });
    expect(statements).toContainEqual({
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Effect: 'Allow',
      Resource: { 'Fn::GetAtt': [logicalIdOf(stack, relay.logGroup), 'Arn'] },
    });
    expect(statements).toContainEqual({
      Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      Effect: 'Allow',
      Resource: streamArn,
    });
    // The relay never reads or writes the target queue's messages or other queues.
    const sqsActions = statements
      .filter((s) => JSON.stringify(s).includes(logicalIdOf(stack, relay.queue)))
      .map((s) => (s as { Action: unknown }).Action);
    expect(sqsActions).toEqual(['sqs:SendMessage']);
    // No managed policy: AWSLambdaBasicExecutionRole would allow writing to every log group.
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('encrypts every queue, refuses non-TLS access, and gives the target queue a dead-letter queue', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(3);
    for (const queue of Object.values(queues)) {
      expect((queue as { Properties: Record<string, unknown> }).Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
    }
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalIdOf(stack, relay.deadLetterQueue!), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    template.resourceCountIs('AWS::SQS::QueuePolicy', 3);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf(stack, relay.queue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('alarms when the iterator age exceeds five minutes and when a record lands in the failure queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: 300_000,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack, relay.function) } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, relay.failureQueue), 'QueueName'] } },
      ],
    });
  });
});

describe('OutboxRelay options and validation', () => {
  it('creates FIFO queues when asked', () => {
    const stack = new Stack(newApp(), 'Fifo');
    const relay = new OutboxRelay(stack, 'Relay', {
      table: participantTable(stack),
      fifo: true,
      batchSize: 10,
    });
    expect(relay.fifo).toBe(true);
    const template = Template.fromStack(stack);
    template.resourcePropertiesCountIs('AWS::SQS::Queue', { FifoQueue: true }, 2);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 10 });
  });

  it('sends to a given queue without creating one', () => {
    const stack = new Stack(newApp(), 'Given');
    const queue = new sqs.Queue(stack, 'Events', {
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(60),
    });
    const relay = new OutboxRelay(stack, 'Relay', { table: participantTable(stack), queue });
    expect(relay.deadLetterQueue).toBeUndefined();
    expect(relay.queue).toBe(queue);
    // The given queue plus the relay's on-failure queue.
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 2);
  });

  it('refuses a table without a stream, saying how to add one', () => {
    const stack = new Stack(newApp(), 'NoStream');
    expect(() => new OutboxRelay(stack, 'Relay', { table: participantTable(stack, false) })).toThrow(
      'OutboxRelay "NoStream/Relay": table NoStream/Table has no stream. Create it with `dynamoStream: StreamViewType.NEW_IMAGE` (TableV2) or `stream: StreamViewType.NEW_IMAGE` (Table), or import it with `tableStreamArn`.',
    );
  });

  it('refuses a stream without new images', () => {
    const stack = new Stack(newApp(), 'KeysOnly');
    const table = new dynamodb.TableV2(stack, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      dynamoStream: dynamodb.StreamViewType.KEYS_ONLY,
    });
    expect(() => new OutboxRelay(stack, 'Relay', { table })).toThrow(
      'OutboxRelay "KeysOnly/Relay": table KeysOnly/Table has stream view "KEYS_ONLY", which carries no new image; the relay reads outbox items from NewImage. Use StreamViewType.NEW_IMAGE or NEW_AND_OLD_IMAGES.',
    );
  });

  it('refuses a batch size out of range, showing the bad value', () => {
    const stack = new Stack(newApp(), 'BadBatch');
    expect(() => new OutboxRelay(stack, 'Relay', { table: participantTable(stack), batchSize: 0 })).toThrow(
      'OutboxRelay: `batchSize` must be a whole number from 1 to 10000 (got 0). Pick a value in that range or leave it unset for the default.',
    );
  });

  it('refuses `fifo` that contradicts the given queue', () => {
    const stack = new Stack(newApp(), 'Contradiction');
    const queue = new sqs.Queue(stack, 'Events');
    expect(
      () => new OutboxRelay(stack, 'Relay', { table: participantTable(stack), queue, fifo: true }),
    ).toThrow(
      'OutboxRelay "Contradiction/Relay": `fifo: true` contradicts the given queue, which is a standard queue. Drop `fifo` or pass a matching queue.',
    );
  });
});
