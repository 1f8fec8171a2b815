import { fileURLToPath } from 'node:url';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StartSyncExecutionCommand,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostedCloud, hostLocalCloud } from '../../infra/local/cli/host.js';
import { waitForExecution } from '../../infra/local/testing/index.js';
import { buildForeignApp } from './fixtures/foreign-app.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
let hosted: HostedCloud;
const config = () => ({
  endpoint: hosted.gateway.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'any', secretAccessKey: 'any' },
});
// StartSyncExecution is sent to the "sync-" prefixed host; a client that cannot resolve it turns the prefix off.
const sfn = () => new SFNClient({ ...config(), disableHostPrefix: true });
const arnOf = (logicalId: string) => hosted.cloud.resources.find(logicalId, 'stateMachine').arn;

beforeAll(async () => {
  hosted = await hostLocalCloud({
    app: buildForeignApp,
    port: 0,
    synthCache: { name: 'test/e2e/fixtures/foreign-app.ts', projectRoot },
  });
});
afterAll(async () => {
  await hosted?.stop();
});

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('the call succeeded, but it must fail');
};

describe('Step Functions API surface', () => {
  it('serves StartSyncExecution sent to the sync- host, and refuses to describe Express executions', async () => {
    const port = new URL(hosted.gateway.endpoint).port;
    const answer = await fetch(`${hosted.gateway.endpoint}/`, {
      method: 'POST',
      headers: {
        host: `sync-localhost:${port}`,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.StartSyncExecution',
      },
      body: JSON.stringify({ stateMachineArn: arnOf('Quick'), input: '{"n":1}' }),
    });
    expect(answer.status).toBe(200);
    const started = (await answer.json()) as { executionArn: string; status: string; output: string };
    expect(started).toMatchObject({ status: 'SUCCEEDED', output: '{"n":1}' });
    expect(started.executionArn).toMatch(/:express:/);

    const client = sfn();
    const viaSdk = await client.send(
      new StartSyncExecutionCommand({ stateMachineArn: arnOf('Quick'), input: '{}' }),
    );
    expect(viaSdk.status).toBe('SUCCEEDED');
    expect(
      await rejection(client.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))),
    ).toEqual({
      name: 'InvalidArn',
      message: "Invalid Arn: 'Resource type not valid in this context: express'",
    });
    expect(
      (await rejection(client.send(new ListExecutionsCommand({ stateMachineArn: arnOf('Quick') })))).name,
    ).toBe('StateMachineTypeNotSupported');

    // In process, tests still wait for an Express execution started asynchronously.
    const asynchronous = await client.send(
      new StartExecutionCommand({ stateMachineArn: arnOf('Quick'), input: '{"async":true}' }),
    );
    expect(await waitForExecution(hosted.cloud, asynchronous.executionArn ?? '')).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"async":true}',
    });
  });

  it('lets a function call StartSyncExecution through the endpoint with the SDK’s default sync- host', async () => {
    hosted.cloud.setServiceEndpoint('sfn', hosted.gateway.endpoint);
    const lambda = new LambdaClient(config());
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: hosted.cloud.resources.find('SyncStarter', 'function').name,
        Payload: JSON.stringify({ stateMachineArn: arnOf('Quick') }),
      }),
    );
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8'))).toEqual({
      status: 'SUCCEEDED',
      output: '{"from":"lambda"}',
    });
  });

  it('validates ListExecutions arguments as AWS does', async () => {
    const client = sfn();
    const bogus = await rejection(
      client.send(
        new ListExecutionsCommand({ stateMachineArn: arnOf('FromFile'), statusFilter: 'BOGUS' as never }),
      ),
    );
    expect(bogus.name).toBe('ValidationException');
    expect(bogus.message).toContain("Value 'BOGUS' at 'statusFilter' failed to satisfy constraint");
    expect(
      await rejection(
        client.send(new ListExecutionsCommand({ stateMachineArn: arnOf('FromFile'), nextToken: 'garbage' })),
      ),
    ).toEqual({ name: 'InvalidToken', message: "Invalid Token: 'garbage'" });
  });

  it('validates, creates, runs, updates and deletes an ad-hoc state machine', async () => {
    const client = sfn();
    const cjs = hosted.cloud.resources.find('CjsAsset', 'function').arn;
    const definition = JSON.stringify({
      StartAt: 'Call',
      States: { Call: { Type: 'Task', Resource: cjs, End: true } },
    });
    expect(await client.send(new ValidateStateMachineDefinitionCommand({ definition }))).toMatchObject({
      result: 'OK',
      diagnostics: [],
    });
    const invalid = await client.send(
      new ValidateStateMachineDefinitionCommand({ definition: '{"StartAt":"Nowhere","States":{}}' }),
    );
    expect(invalid.result).toBe('FAIL');
    expect(invalid.diagnostics?.[0]?.code).toBe('SCHEMA_VALIDATION_FAILED');

    const roleArn = 'arn:aws:iam::000000000000:role/adhoc';
    const { stateMachineArn } = await client.send(
      new CreateStateMachineCommand({ name: 'AdHoc', definition, roleArn }),
    );
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, input: JSON.stringify({ id: 'adhoc-1' }) }),
    );
    let described = await client.send(new DescribeExecutionCommand({ executionArn }));
    for (let i = 0; described.status === 'RUNNING' && i < 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      described = await client.send(new DescribeExecutionCommand({ executionArn }));
    }
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '{}')).toMatchObject({ id: 'adhoc-1', moduleSystem: 'commonjs' });

    const passOnly = JSON.stringify({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
    await client.send(new UpdateStateMachineCommand({ stateMachineArn, definition: passOnly }));
    expect((await client.send(new DescribeStateMachineCommand({ stateMachineArn }))).definition).toBe(
      passOnly,
    );

    const unrunnable = await rejection(
      client.send(
        new CreateStateMachineCommand({
          name: 'Elsewhere',
          roleArn,
          definition: JSON.stringify({
            StartAt: 'S3',
            States: { S3: { Type: 'Task', Resource: 'arn:aws:states:::aws-sdk:s3:listBuckets', End: true } },
          }),
        }),
      ),
    );
    expect(unrunnable.name).toBe('InvalidDefinition');

    await client.send(new DeleteStateMachineCommand({ stateMachineArn }));
    expect((await rejection(client.send(new DescribeStateMachineCommand({ stateMachineArn })))).name).toBe(
      'StateMachineDoesNotExist',
    );
  });
});

describe('Lambda and DynamoDB API surface', () => {
  it('lists and describes functions, and returns LogResult for LogType Tail', async () => {
    const lambda = new LambdaClient(config());
    const listed = await lambda.send(new ListFunctionsCommand({}));
    const cjs = hosted.cloud.resources.find('CjsAsset', 'function');
    expect(listed.Functions?.map((f) => f.FunctionName)).toContain(cjs.name);
    const got = await lambda.send(new GetFunctionCommand({ FunctionName: cjs.name }));
    expect(got.Configuration).toMatchObject({
      FunctionName: cjs.name,
      FunctionArn: cjs.arn,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
    });
    const missing = await rejection(lambda.send(new GetFunctionCommand({ FunctionName: 'NoSuchFunction' })));
    expect(missing.name).toBe('ResourceNotFoundException');

    const invoked = await lambda.send(
      new InvokeCommand({
        FunctionName: cjs.name,
        Payload: JSON.stringify({ id: 'tail-1' }),
        LogType: 'Tail',
      }),
    );
    expect(Buffer.from(invoked.LogResult ?? '', 'base64').toString('utf8')).toMatch(/REPORT RequestId: /);
  });

  it('gives table ARNs the cloud’s region', async () => {
    const dynamodb = new DynamoDBClient(config());
    const table = hosted.cloud.resources.find('Items', 'table');
    const described = await dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
    expect(described.Table?.TableArn).toBe(`arn:aws:dynamodb:us-east-1:000000000000:table/${table.name}`);
  });
});
