import type { PolicyDocument } from './policy-evaluator.js';

const LOGS = ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'];

const allow = (...statements: Array<[actions: string[], resource?: string]>): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: statements.map(([Action, Resource = '*']) => ({ Effect: 'Allow' as const, Action, Resource })),
});

/**
 * The permissions of the AWS managed policies CDK apps attach most often, by policy name (the
 * last part of `arn:aws:iam::aws:policy/[service-role/]<name>`), as AWS publishes them. Only the
 * statements that matter to calls the local cloud can make are kept exact; an unknown managed
 * policy is reported once and grants nothing rather than being guessed.
 */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  AWSLambdaBasicExecutionRole: allow([LOGS]),
  AWSLambdaSQSQueueExecutionRole: allow([
    ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', ...LOGS],
  ]),
  AWSLambdaDynamoDBExecutionRole: allow([
    [
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      ...LOGS,
    ],
  ]),
  AWSLambdaKinesisExecutionRole: allow([
    [
      'kinesis:DescribeStream',
      'kinesis:DescribeStreamSummary',
      'kinesis:GetRecords',
      'kinesis:GetShardIterator',
      'kinesis:ListShards',
      'kinesis:ListStreams',
      'kinesis:SubscribeToShard',
      ...LOGS,
    ],
  ]),
  AWSLambdaVPCAccessExecutionRole: allow([
    [
      ...LOGS,
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
    ],
  ]),
  AWSXRayDaemonWriteAccess: allow([
    [
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:GetSamplingStatisticSummaries',
    ],
  ]),
  AWSLambdaRole: allow([['lambda:InvokeFunction']]),
  AWSLambdaExecute: allow(
    [['logs:*'], 'arn:aws:logs:*:*:*'],
    [['s3:GetObject', 's3:PutObject'], 'arn:aws:s3:::*'],
  ),
  CloudWatchLambdaInsightsExecutionRolePolicy: allow(
    [['logs:CreateLogGroup']],
    [['logs:CreateLogStream', 'logs:PutLogEvents'], 'arn:aws:logs:*:*:log-group:/aws/lambda-insights:*'],
  ),
  AmazonDynamoDBFullAccess: allow([['dynamodb:*']]),
  AmazonDynamoDBReadOnlyAccess: allow([
    [
      'dynamodb:BatchGetItem',
      'dynamodb:Describe*',
      'dynamodb:List*',
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:PartiQLSelect',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ],
  ]),
  AmazonSQSFullAccess: allow([['sqs:*']]),
  AmazonSQSReadOnlyAccess: allow([
    [
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ListQueues',
      'sqs:ListDeadLetterSourceQueues',
      'sqs:ListQueueTags',
      'sqs:ListMessageMoveTasks',
    ],
  ]),
  AmazonSNSFullAccess: allow([['sns:*']]),
  AmazonEventBridgeFullAccess: allow([['events:*', 'schemas:*', 'scheduler:*', 'pipes:*']]),
  AWSStepFunctionsFullAccess: allow([['states:*']]),
  AWSLambda_FullAccess: allow([['lambda:*', 'states:DescribeStateMachine', 'states:ListStateMachines']]),
  AdministratorAccess: allow([['*']]),
  PowerUserAccess: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' }],
  },
};

/** The managed policy's name when the ARN is an AWS managed policy (`arn:aws:iam::aws:policy/...`). */
export function awsManagedPolicyName(arn: string): string | undefined {
  const match = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return match?.[1];
}
