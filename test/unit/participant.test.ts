import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  PARTICIPANT_TABLE_ACTIONS,
  Participant,
  type ParticipantProps,
} from '../../infra/constructs/participant/index.js';

const entry = path.join(import.meta.dirname, 'fixtures', 'echo-participant.ts');

/** Bundling is skipped here (it is covered by the example app test); the template is what matters. */
function build(props: Partial<ParticipantProps> = {}, extra?: (stack: Stack) => Partial<ParticipantProps>) {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'ParticipantTest');
  const participant = new Participant(stack, 'Inventory', { entry, ...props, ...extra?.(stack) });
  return { stack, participant, template: Template.fromStack(stack) };
}

const idOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

describe('Participant', () => {
  const { stack, participant, template } = build();
  const tableId = idOf(stack, participant.table as dynamodb.TableV2);

  it('creates an arm64 Node.js 22 function with explicit memory, timeout, tracing and its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 10,
      Handler: 'index.handler',
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogGroup: { Ref: idOf(stack, participant.logGroup) } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('passes the runtime its table, barrier retention and Powertools settings', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STEPSAGA_TABLE_NAME: { Ref: tableId },
          STEPSAGA_BARRIER_RETENTION_DAYS: '30',
          POWERTOOLS_SERVICE_NAME: 'Inventory',
          POWERTOOLS_METRICS_NAMESPACE: 'stepsaga',
        }),
      },
    });
  });

  it('creates a retained, on-demand TableV2 with pk/sk strings, a NEW_IMAGE stream, TTL on expiresAt and PITR', () => {
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ]),
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        Replicas: [
          Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
        ],
      }),
    });
  });

  it('grants only the item actions the runtime uses, on the table ARN, plus its own log group and X-Ray', () => {
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [idOf(stack, participant.logGroup), 'Arn'] },
          },
          { Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Effect: 'Allow', Resource: '*' },
          {
            Action: [...PARTICIPANT_TABLE_ACTIONS],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('implements IParticipant: the function a saga step invokes', () => {
    expect(participant.function).toBeInstanceOf(lambda.Function);
    expect(participant.participantName).toBe('Inventory');
  });

  it('takes overrides for runtime settings and the table removal policy', () => {
    const custom = build({
      memorySize: 1024,
      timeout: Duration.seconds(20),
      barrierRetentionDays: 7,
      participantName: 'Stock',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 20,
      Environment: {
        Variables: Match.objectLike({
          STEPSAGA_BARRIER_RETENTION_DAYS: '7',
          POWERTOOLS_SERVICE_NAME: 'Stock',
        }),
      },
    });
    custom.template.hasResource('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
  });

  it('refuses a barrier retention under 7 days', () => {
    expect(() => build({ barrierRetentionDays: 6 })).toThrow(
      'Participant "Inventory": `barrierRetentionDays` must be a whole number of at least 7 (got 6); a compensation can arrive days after its action and must still find the barrier. Use 30, the default.',
    );
  });

  it('uses a given table and grants the same item actions on extra tables', () => {
    const given = build({}, (s) => ({
      table: new dynamodb.TableV2(s, 'Shared', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
        timeToLiveAttribute: 'expiresAt',
      }),
      extraTables: [dynamodb.Table.fromTableName(s, 'Ledger', 'ledger')],
    }));
    given.template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    expect(given.participant.table.node.id).toBe('Shared');
    const statements = JSON.stringify(Object.values(given.template.findResources('AWS::IAM::Policy'))[0]);
    expect(statements).toContain(':table/ledger');
  });

  it('refuses a given table that lacks what the runtime needs', () => {
    expect(() =>
      build({}, (s) => ({
        table: new dynamodb.Table(s, 'Plain', {
          partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        }),
      })),
    ).toThrow(
      `Participant "Inventory": table ParticipantTest/Plain has partition key "id" of type S; the participant runtime needs a string partition key "pk". Use a table with partitionKey { name: 'pk', type: AttributeType.STRING }, or omit \`table\`.`,
    );
    expect(() =>
      build({}, (s) => ({
        table: new dynamodb.Table(s, 'NoStream', {
          partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
          sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
          timeToLiveAttribute: 'expiresAt',
        }),
      })),
    ).toThrow(
      'Participant "Inventory": table ParticipantTest/NoStream has no stream; the outbox relay reads outbox items from it. Add dynamoStream: StreamViewType.NEW_IMAGE.',
    );
  });
});
