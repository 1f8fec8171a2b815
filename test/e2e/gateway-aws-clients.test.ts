import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import {
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostedCloud, hostLocalCloud } from '../../infra/local/cli/host.js';
import { lazyAppFactory } from '../../infra/local/cli/load-app.js';
import type { LocalResource, LocalResourceKind } from '../../infra/local/index.js';

const run = promisify(execFile);
// A client profile unlike the cloud's own (key "local", us-east-1): the gateway must still show it the same data.
const clientConfig = () => ({
  endpoint: hosted.gateway.endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDCLIENTPROFILE', secretAccessKey: 'secret' },
});

let hosted: HostedCloud;
const resource = (kind: LocalResourceKind, prefix: string): LocalResource => {
  const found = hosted.cloud.resources.list(kind).find((r) => r.logicalId.startsWith(prefix));
  if (!found) throw new Error(`no ${kind} ${prefix}* in the example app`);
  return found;
};

async function waitForExecution(sfn: SFNClient, executionArn: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (status && status !== 'RUNNING') return status;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${executionArn} still running`);
}

async function seed(
  db: DynamoDBClient,
  sku: string,
  stock: number,
  customerId: string,
  balance: number,
): Promise<void> {
  await db.send(
    new PutItemCommand({
      TableName: resource('table', 'Inventory').name,
      Item: { pk: { S: `SKU#${sku}` }, sk: { S: 'STOCK' }, available: { N: String(stock) } },
    }),
  );
  await db.send(
    new PutItemCommand({
      TableName: resource('table', 'Payment').name,
      Item: { pk: { S: `ACCOUNT#${customerId}` }, sk: { S: 'BALANCE' }, balance: { N: String(balance) } },
    }),
  );
}

beforeAll(async () => {
  hosted = await hostLocalCloud({
    app: lazyAppFactory('infra/app.ts'),
    synthCache: { name: 'infra/app.ts' },
    port: 0,
  });
});

afterAll(async () => {
  await hosted?.stop();
});

describe('the local endpoint with AWS SDK v3 clients given only an endpoint', () => {
  it('runs a PlaceOrder execution through Step Functions and reports its history', async () => {
    const sfn = new SFNClient(clientConfig());
    const db = new DynamoDBClient(clientConfig());
    await seed(db, 'gw-sku', 5, 'gw-customer', 1000);

    const { stateMachines } = await sfn.send(new ListStateMachinesCommand({}));
    const machine = stateMachines?.find((m) => m.name === resource('stateMachine', 'PlaceOrder').name);
    expect(machine?.stateMachineArn).toBe(resource('stateMachine', 'PlaceOrder').arn);

    const input = {
      orderId: 'gw-order-1',
      customerId: 'gw-customer',
      sku: 'gw-sku',
      quantity: 2,
      amount: 300,
    };
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machine?.stateMachineArn,
        input: JSON.stringify(input),
        name: 'gw-order-1',
      }),
    );
    expect(await waitForExecution(sfn, executionArn ?? '')).toBe('SUCCEEDED');
    const { events } = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const entered = events
      ?.filter((e) => e.type === 'TaskStateEntered')
      .map((e) => e.stateEnteredEventDetails?.name);
    expect(entered).toEqual(['ReserveInventory', 'ChargePayment', 'ShipOrder']);
    expect(events?.at(-1)?.type).toBe('ExecutionSucceeded');

    const stock = await db.send(
      new GetItemCommand({
        TableName: resource('table', 'Inventory').name,
        Key: { pk: { S: 'SKU#gw-sku' }, sk: { S: 'STOCK' } },
      }),
    );
    expect(stock.Item?.available?.N).toBe('3');
    sfn.destroy();
    db.destroy();
  });

  it('answers Step Functions errors with their AWS error name', async () => {
    const sfn = new SFNClient(clientConfig());
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:PlaceOrder:does-not-exist';
    await expect(sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({
      name: 'ExecutionDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
    sfn.destroy();
  });

  it('proxies DynamoDB so that every client profile and region sees the tables the cloud created', async () => {
    const viaGateway = new DynamoDBClient(clientConfig());
    const table = resource('table', 'Shipping').name;
    await viaGateway.send(
      new PutItemCommand({
        TableName: table,
        Item: { pk: { S: 'GW#1' }, sk: { S: 'X' }, note: { S: 'hi' } },
      }),
    );
    const direct = new DynamoDBClient({
      endpoint: hosted.cloud.dynamoDbEndpoint,
      region: hosted.cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const item = await direct.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: 'GW#1' }, sk: { S: 'X' } } }),
    );
    expect(item.Item?.note?.S).toBe('hi');
    viaGateway.destroy();
    direct.destroy();
  });

  it('proxies DynamoDB Streams with the stream ARNs the cloud reports', async () => {
    // No Streams SDK client is installed; the JSON 1.0 wire format is what it would send.
    const streams = async <T>(operation: string, request: unknown): Promise<T> => {
      const response = await fetch(hosted.gateway.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIDOTHER/20260101/eu-west-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: JSON.stringify(request),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as T;
    };
    const db = new DynamoDBClient(clientConfig());
    const table = resource('table', 'Inventory');
    await db.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { pk: { S: 'SKU#stream-probe' }, sk: { S: 'STOCK' }, available: { N: '7' } },
      }),
    );
    const listed = await streams<{ Streams: { StreamArn: string }[] }>('ListStreams', {
      TableName: table.name,
    });
    expect(listed.Streams.map((s) => s.StreamArn)).toContain(table.streamArn);
    const described = await streams<{ StreamDescription: { Shards: { ShardId: string }[] } }>(
      'DescribeStream',
      {
        StreamArn: table.streamArn,
      },
    );
    const keys: string[] = [];
    for (const shard of described.StreamDescription.Shards) {
      const { ShardIterator } = await streams<{ ShardIterator: string }>('GetShardIterator', {
        StreamArn: table.streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      });
      const { Records } = await streams<{ Records: { dynamodb: { Keys: { pk: { S: string } } } }[] }>(
        'GetRecords',
        {
          ShardIterator,
        },
      );
      keys.push(...Records.map((r) => r.dynamodb.Keys.pk.S));
    }
    expect(keys).toContain('SKU#stream-probe');
    db.destroy();
  });

  it('proxies SQS and hands out queue URLs that point at the gateway', async () => {
    const sqs = new SQSClient(clientConfig());
    const queue = resource('queue', 'PlaceOrderParked');
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }));
    expect(QueueUrl).toBe(`${hosted.gateway.endpoint}/000000000000/${queue.name}`);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"probe":1}' }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }));
    expect(Messages?.map((m) => m.Body)).toEqual(['{"probe":1}']);
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
    sqs.destroy();
  });

  it('answers SQS query-protocol requests (older AWS CLIs) in XML', async () => {
    const queue = resource('queue', 'PlaceOrderParked');
    const query = async (params: Record<string, string>) => {
      const response = await fetch(hosted.gateway.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams({ ...params, Version: '2012-11-05' }).toString(),
      });
      return { status: response.status, xml: await response.text() };
    };
    const url = await query({ Action: 'GetQueueUrl', QueueName: queue.name });
    expect(url.xml).toContain(`<QueueUrl>${hosted.gateway.endpoint}/000000000000/${queue.name}</QueueUrl>`);
    const queueUrl = `${hosted.gateway.endpoint}/000000000000/${queue.name}`;
    await query({
      Action: 'SendMessage',
      QueueUrl: queueUrl,
      MessageBody: 'a < b & c',
      'MessageAttribute.1.Name': 'kind',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'probe',
    });
    const received = await query({
      Action: 'ReceiveMessage',
      QueueUrl: queueUrl,
      'MessageAttributeName.1': 'All',
      WaitTimeSeconds: '1',
    });
    expect(received.xml).toContain('<Body>a &lt; b &amp; c</Body>');
    expect(received.xml).toMatch(
      /<MessageAttribute><Name>kind<\/Name><Value>(?=.*<StringValue>probe<\/StringValue>)(?=.*<DataType>String<\/DataType>)/,
    );
    const missing = await query({ Action: 'GetQueueUrl', QueueName: 'no-such-queue' });
    expect(missing.status).toBe(400);
    expect(missing.xml).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });

  it('invokes Lambda functions with the function error and version headers', async () => {
    const lambda = new LambdaClient(clientConfig());
    const fn = resource('function', 'Payment');
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: fn.name,
        Payload: new TextEncoder().encode('{"not":"a participant request"}'),
      }),
    );
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBe('Unhandled');
    expect(result.ExecutedVersion).toBe('$LATEST');
    const payload = JSON.parse(new TextDecoder().decode(result.Payload)) as { errorType: string };
    expect(payload.errorType).toBe('SagaInvalidRequest');
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'no-such-function' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 404 },
    });
    lambda.destroy();
  });

  it('names the service and operation it does not support', async () => {
    const response = await fetch(hosted.gateway.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'Kinesis_20131202.ListStreams',
        'content-type': 'application/x-amz-json-1.1',
      },
      body: '{}',
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toBe('UnknownOperationException');
    expect(body.message).toContain('does not support service "Kinesis_20131202" (operation "ListStreams"');
  });
});

const awsCli = await run('aws', ['--version']).then(
  (r) => `${r.stdout}${r.stderr}`.trim(),
  () => undefined,
);
if (!awsCli)
  console.warn('AWS CLI smoke tests skipped: "aws" is not on PATH (Debian: apt-get install awscli).');

describe.skipIf(!awsCli)(`the local endpoint with the AWS CLI (${awsCli ?? 'not installed'})`, () => {
  const aws = async (...args: string[]) => {
    const { stdout } = await run(
      'aws',
      ['--endpoint-url', hosted.gateway.endpoint, '--output', 'json', ...args],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'cli',
          AWS_SECRET_ACCESS_KEY: 'cli',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_REGION: 'us-east-1',
          AWS_PAGER: '',
        },
      },
    );
    return stdout.trim() ? (JSON.parse(stdout) as Record<string, unknown>) : {};
  };

  it('starts an execution and reads its history with aws stepfunctions', async () => {
    const db = new DynamoDBClient(clientConfig());
    await seed(db, 'cli-sku', 3, 'cli-customer', 900);
    db.destroy();
    const input = {
      orderId: 'cli-order-1',
      customerId: 'cli-customer',
      sku: 'cli-sku',
      quantity: 1,
      amount: 100,
    };
    const started = await aws(
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      resource('stateMachine', 'PlaceOrder').arn,
      '--name',
      'cli-order-1',
      '--input',
      JSON.stringify(input),
    );
    const executionArn = String(started.executionArn);
    expect(executionArn).toMatch(/:execution:PlaceOrder:cli-order-1$/);
    const sfn = new SFNClient(clientConfig());
    expect(await waitForExecution(sfn, executionArn)).toBe('SUCCEEDED');
    sfn.destroy();
    const history = await aws('stepfunctions', 'get-execution-history', '--execution-arn', executionArn);
    const types = (history.events as { type: string }[]).map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
  });

  it('sends and receives SQS messages and reads DynamoDB items', async () => {
    const queue = resource('queue', 'PlaceOrderParked');
    const { QueueUrl } = await aws('sqs', 'get-queue-url', '--queue-name', queue.name);
    expect(QueueUrl).toBe(`${hosted.gateway.endpoint}/000000000000/${queue.name}`);
    await aws(
      'sqs',
      'send-message',
      '--queue-url',
      String(QueueUrl),
      '--message-body',
      'from the <cli> & co',
    );
    const received = await aws(
      'sqs',
      'receive-message',
      '--queue-url',
      String(QueueUrl),
      '--wait-time-seconds',
      '1',
    );
    expect((received.Messages as { Body: string }[]).map((m) => m.Body)).toContain('from the <cli> & co');
    const item = await aws(
      'dynamodb',
      'get-item',
      '--table-name',
      resource('table', 'Inventory').name,
      '--key',
      '{"pk":{"S":"SKU#cli-sku"},"sk":{"S":"STOCK"}}',
    );
    expect((item.Item as { available: { N: string } }).available.N).toBe('2');
  });
});
