import { describe, expect, it } from 'vitest';
import type { StackTemplate } from '../../infra/local/cloud-assembly.js';
import { accessKeyFor } from '../../infra/local/iam/iam-authorizer.js';
import { roleResolution } from '../../infra/local/iam/iam-model.js';
import { LocalIam } from '../../infra/local/iam/local-iam.js';
import { IntrinsicResolver, type ResolvedResource } from '../../infra/local/intrinsics.js';
import type { LocalLogLine, LocalResource } from '../../infra/local/types.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const FN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:App-Worker`;
const QUEUE = `arn:aws:sqs:${REGION}:${ACCOUNT}:App-Jobs`;
const QUEUE_URL = `http://sqs.${REGION}.localhost:9324/${ACCOUNT}/App-Jobs`;
const RULE = `arn:aws:events:${REGION}:${ACCOUNT}:rule/App-Sweep`;

const stack: StackTemplate = {
  stackName: 'App',
  directory: '/',
  template: {
    Resources: {
      WorkerRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          ManagedPolicyArns: [
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
                ],
              ],
            },
            'arn:aws:iam::aws:policy/SomethingNobodyKnows',
          ],
        },
      },
      WorkerRolePolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'WorkerRole' }],
          PolicyDocument: {
            Statement: [
              { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Jobs', 'Arn'] } },
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: { 'Fn::GetAtt': ['NotEmulatedBucket', 'Arn'] },
              },
            ],
          },
        },
      },
      NotEmulatedBucket: { Type: 'AWS::S3::Bucket' },
      Worker: {
        Type: 'AWS::Lambda::Function',
        Properties: { Role: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] } },
      },
      Jobs: { Type: 'AWS::SQS::Queue' },
      JobsPolicy: {
        Type: 'AWS::SQS::QueuePolicy',
        Properties: {
          Queues: [{ Ref: 'Jobs' }],
          PolicyDocument: {
            Statement: [
              {
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 'sqs:*',
                Resource: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              },
              {
                Effect: 'Deny',
                Principal: { AWS: '*' },
                Action: 'sqs:PurgeQueue',
                Resource: { 'Fn::GetAtt': ['Jobs', 'Arn'] },
              },
            ],
          },
        },
      },
      SweepPermission: {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': ['Worker', 'Arn'] },
          Principal: 'events.amazonaws.com',
          SourceArn: { 'Fn::GetAtt': ['Sweep', 'Arn'] },
        },
      },
    },
  },
};

const resolved = new Map<string, ResolvedResource>([
  ['WorkerRole', roleResolution('App', 'WorkerRole', {}, ACCOUNT)],
  ['Worker', { ref: 'App-Worker', attributes: { Arn: FN } }],
  ['Jobs', { ref: QUEUE_URL, attributes: { Arn: QUEUE } }],
  ['Sweep', { ref: 'App-Sweep', attributes: { Arn: RULE } }],
]);
const resources: LocalResource[] = [
  {
    kind: 'function',
    type: 'AWS::Lambda::Function',
    stack: 'App',
    logicalId: 'Worker',
    name: 'App-Worker',
    arn: FN,
  },
  {
    kind: 'queue',
    type: 'AWS::SQS::Queue',
    stack: 'App',
    logicalId: 'Jobs',
    name: 'App-Jobs',
    arn: QUEUE,
    url: QUEUE_URL,
  },
];

function localIam(mode: 'warn' | 'enforce') {
  const logs: LocalLogLine[] = [];
  const resolver = new IntrinsicResolver(stack, {
    region: REGION,
    accountId: ACCOUNT,
    resource: (_s, id) => resolved.get(id),
  });
  const iam = new LocalIam({
    mode,
    region: REGION,
    accountId: ACCOUNT,
    stacks: [stack],
    resolver: () => resolver,
    constructPath: (_s, id) => `App/${id}`,
    resources: () => resources,
    onLog: (line) => logs.push(line),
    executionOfToken: () => undefined,
  });
  const warnings = () => logs.filter((l) => l.level === 'warn').map((l) => l.message);
  const call = (api: 'sqs' | 'dynamodb', operation: string, request: Record<string, unknown>) =>
    iam.authorizeRequest({ accessKeyId: accessKeyFor(FN), api, operation, request });
  return { iam, warnings, call };
}

describe('the IAM model of an app, read from its template', () => {
  it("a function's SDK calls are judged against its role: inline grants and known managed policies allow, the rest is denied", () => {
    const { iam, warnings, call } = localIam('enforce');
    expect(
      call('sqs', 'SendMessageBatch', { QueueUrl: `http://127.0.0.1:4566/${ACCOUNT}/App-Jobs` }),
    ).toBeUndefined();
    const caller = iam.authorizer.functionCaller(FN);
    expect(
      iam.authorizer.authorize(caller, [
        { action: 'logs:PutLogEvents', resource: 'arn:aws:logs:us-east-1:0:log-group:x' },
      ]),
    ).toBeUndefined();
    const denied = call('sqs', 'ReceiveMessage', { QueueUrl: QUEUE_URL });
    expect(denied?.code).toBe('AccessDeniedException');
    expect(denied?.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/App-WorkerRole/App-Worker is not authorized to perform: sqs:ReceiveMessage ` +
        `on resource: ${QUEUE} because no identity-based policy allows the sqs:ReceiveMessage action`,
    );
    // The queue policy's explicit deny wins over nothing-to-allow, and is named so.
    expect(call('sqs', 'PurgeQueue', { QueueUrl: QUEUE_URL })?.message).toMatch(
      /with an explicit deny in a resource-based policy$/,
    );
    expect(warnings()).toEqual([
      'IAM: the managed policy arn:aws:iam::aws:policy/SomethingNobodyKnows (attached to role App/WorkerRole) is not known locally; it grants nothing here, so calls it would allow are reported as missing grants',
      `IAM: role App/WorkerRole (WorkerRole) of function App-Worker may not perform sqs:ReceiveMessage on ${QUEUE}: no identity-based policy of the role allows it: grant sqs:ReceiveMessage on ${QUEUE} to the role; the call fails with AccessDeniedException, as on AWS`,
      `IAM: role App/WorkerRole (WorkerRole) of function App-Worker may not perform sqs:PurgeQueue on ${QUEUE}: explicitly denied by App/JobsPolicy (resource-based policy); the call fails with AccessDeniedException, as on AWS`,
    ]);
  });

  it('warns once per (role, action, resource) and lets the call through by default', () => {
    const { warnings, call } = localIam('warn');
    expect(call('dynamodb', 'PutItem', { TableName: 'Other' })).toBeUndefined();
    expect(call('dynamodb', 'PutItem', { TableName: 'Other' })).toBeUndefined();
    expect(warnings().filter((w) => w.includes('dynamodb:PutItem'))).toHaveLength(1);
  });

  it("judges the requests a function's worker reports on its way to an engine: JSON, query protocol and DynamoDB Local's ARNs", () => {
    const { iam, warnings } = localIam('warn');
    // A query-protocol SendMessage names its queue in the path only: granted, so nothing is said.
    iam.observeEngineCall(FN, {
      api: 'sqs',
      target: '',
      path: `/${ACCOUNT}/App-Jobs`,
      body: 'Action=SendMessage&MessageBody=hi&Version=2012-11-05',
    });
    iam.observeEngineCall(FN, {
      api: 'sqs',
      target: '',
      path: `/${ACCOUNT}/App-Jobs`,
      body: 'Action=ReceiveMessage&Version=2012-11-05',
    });
    // A table ARN as DynamoDB Local answers it is judged as the table's ARN in the cloud's region.
    iam.observeEngineCall(FN, {
      api: 'dynamodb',
      target: 'DynamoDB_20120810.TransactWriteItems',
      path: '/',
      body: JSON.stringify({
        TransactItems: [
          { Put: { TableName: `arn:aws:dynamodb:ddblocal:${ACCOUNT}:table/Orders`, Item: {} } },
        ],
      }),
    });
    iam.observeEngineCall(FN, {
      api: 'dynamodb',
      target: 'DynamoDBStreams_20120810.GetRecords',
      path: '/',
      body: JSON.stringify({ ShardIterator: 'x' }),
    });
    expect(warnings().slice(1)).toEqual([
      `IAM: role App/WorkerRole (WorkerRole) of function App-Worker may not perform sqs:ReceiveMessage on ${QUEUE}: no identity-based policy of the role allows it: grant sqs:ReceiveMessage on ${QUEUE} to the role; on AWS this call fails with AccessDeniedException (run with --enforce-iam, or iam: "enforce", to fail it locally too)`,
      `IAM: role App/WorkerRole (WorkerRole) of function App-Worker may not perform dynamodb:PutItem on arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Orders: no identity-based policy of the role allows it: grant dynamodb:PutItem on arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Orders to the role; on AWS this call fails with AccessDeniedException (run with --enforce-iam, or iam: "enforce", to fail it locally too)`,
    ]);
  });

  it('EventBridge may invoke the function for the rule its Lambda permission names, and no other', () => {
    const { iam, warnings } = localIam('enforce');
    expect(
      iam.allowsDelivery(
        'events.amazonaws.com',
        { name: 'App-Sweep', arn: RULE },
        { kind: 'function', arn: FN },
      ),
    ).toBe(true);
    const other = { name: 'App-Other', arn: `${RULE}2` };
    expect(iam.allowsDelivery('events.amazonaws.com', other, { kind: 'function', arn: FN })).toBe(false);
    expect(warnings().at(-1)).toBe(
      `IAM: rule App-Other (events.amazonaws.com) may not perform lambda:InvokeFunction on ${FN}: no resource-based policy of ${FN} allows events.amazonaws.com; add one (e.g. a Lambda permission or a queue policy statement); the delivery is dropped, as on AWS`,
    );
  });
});
