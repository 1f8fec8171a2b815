import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalServiceError } from '../../infra/local/index.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, eventually, getItem, historyOf, receiveOne } from '../support/local-cloud.js';
import { buildTinyApp } from './fixtures/tiny-app.js';

const local = useLocalCloud(() => buildTinyApp(), { retryIntervalDivisor: 20, pollIntervalMs: 50 });

const start = async (name: string, input: unknown) => {
  const flow = local.cloud.resources.find('Flow', 'stateMachine');
  return (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: flow.arn,
    name,
    input: JSON.stringify(input),
  })) as { executionArn: string; startDate: number };
};

describe('local cloud engines (tiny fixture app)', () => {
  afterEach(() => local.cloud.faults.clear());

  it('reports its readiness time and indexes every emulated resource', () => {
    console.log(`time-to-ready: ${local.cloud.startupMs} ms`);
    expect(local.cloud.startupMs).toBeGreaterThan(0);
    const table = local.cloud.resources.find('Table', 'table');
    expect(table.name).toBe('Tiny-TableCD117FA1');
    expect(table.streamArn).toMatch(/\/stream\//);
    expect(local.cloud.resources.find('Events', 'queue').url).toContain('/000000000000/');
    expect(local.cloud.resources.list('function')).toHaveLength(6);
    expect(local.cloud.resources.list('eventSourceMapping')).toHaveLength(2);
  });

  it('ends an execution whose task returns output nested 6,000 levels deep: FAILED, with an error and a history', async () => {
    const { executionArn } = await start('deep-output-1', { orderId: 'deep-output-1', nestOutput: 6_000 });
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBeTruthy();
    const types = (await historyOf(local.cloud, executionArn)).map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionFailed');
  });

  it('runs a successful execution: Lambda tasks write DynamoDB, context paths resolve, history has AWS event types', async () => {
    const { executionArn } = await start('ok-1', { orderId: 'ok-1', amount: 7 });
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '{}');
    expect(output.results.Write).toEqual({ written: 'ok-1' });
    expect(output.results.Check.functionName).toBe(local.cloud.resources.find('Echo', 'function').name);
    expect(output.results.Check.echoed).toMatchObject({ executionName: 'ok-1', stateName: 'Check' });
    // Inside a Parallel branch $$.Execution.Input is still the execution's input.
    expect(output.results.Fanout[0].echoed.originalInput).toEqual({ orderId: 'ok-1', amount: 7 });
    expect(output.results.Fanout[0].tableName).toBe('Tiny-TableCD117FA1');
    expect(output.results.Fanout[0].tableArn).toBe(
      'arn:aws:dynamodb:us-east-1:000000000000:table/Tiny-TableCD117FA1',
    );

    const { dynamodb } = engineClients(local.cloud);
    const item = await getItem(dynamodb, 'Tiny-TableCD117FA1', 'ORDER#ok-1', 'ORDER');
    expect(item?.amount).toEqual({ N: '7' });

    const events = await historyOf(local.cloud, executionArn);
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ParallelStateEntered',
      'ParallelStateStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ParallelStateSucceeded',
      'ParallelStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events[1]).toMatchObject({ previousEventId: 1, stateEnteredEventDetails: { name: 'Write' } });
    expect(events[7]).toMatchObject({
      taskScheduledEventDetails: { resourceType: 'lambda', resource: 'invoke', region: 'us-east-1' },
    });
  });

  it('retries a transient failure injected by faults.failNext and then succeeds', async () => {
    local.cloud.faults.failNext('Echo', { errorType: 'FlowTransient', errorMessage: 'try again', times: 1 });
    const { executionArn } = await start('transient-1', { orderId: 'transient-1' });
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    const failed = (await historyOf(local.cloud, executionArn)).filter((e) => e.type === 'TaskFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]?.taskFailedEventDetails).toMatchObject({
      error: 'FlowTransient',
      cause: JSON.stringify({ errorType: 'FlowTransient', errorMessage: 'try again', trace: [] }),
    });
  });

  it('catches a business error into a Fail state whose cause is the Lambda error payload', async () => {
    const { executionArn } = await start('refused-1', {
      orderId: 'refused-1',
      failWith: { name: 'FlowBusiness', message: 'no stock' },
    });
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('FlowRefused');
    expect(JSON.parse(done.cause ?? '{}')).toMatchObject({
      errorType: 'FlowBusiness',
      errorMessage: 'no stock',
    });
    const types = (await historyOf(local.cloud, executionArn)).map((e) => e.type);
    expect(types.slice(-4)).toEqual(['TaskFailed', 'TaskStateExited', 'FailStateEntered', 'ExecutionFailed']);
  });

  it('runs a Pass state writing JSON text as Step Functions does: quotes and backslashes kept, Pass events only', async () => {
    const shapes = local.cloud.resources.find('Shapes', 'stateMachine');
    const doc = { title: 'say "hi"', path: 'C:\\temp\\new', inner: '{"a":"b\\n"}' };
    const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
      stateMachineArn: shapes.arn,
      name: 'shapes-1',
      input: JSON.stringify({ doc }),
    })) as { executionArn: string };
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    const { described } = JSON.parse(done.output ?? '{}') as { described: { text: string; nested: unknown } };
    expect(described).toEqual({ text: JSON.stringify(doc), nested: { copy: doc } });
    expect(JSON.parse(described.text)).toEqual(doc);
    expect((await historyOf(local.cloud, executionArn)).map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
  });

  it('completes a .waitForTaskToken task with SendTaskSuccess; a duplicate start is idempotent only while running', async () => {
    // Quotes, backslashes and JSON text inside the state: States.JsonToString must keep them.
    const input = { orderId: 'cb-1', callback: true, note: 'say "hi" from C:\\temp', raw: '{"a":"\\n"}' };
    const first = await start('cb-1', input);
    const again = await start('cb-1', input);
    expect(again.executionArn).toBe(first.executionArn);
    await expect(start('cb-1', { ...input, other: 1 })).rejects.toMatchObject({
      code: 'ExecutionAlreadyExists',
      message: `Execution Already Exists: '${first.executionArn}'`,
    });

    const { sqs } = engineClients(local.cloud);
    const message = await eventually(
      () => receiveOne(sqs, local.cloud.resources.find('Callbacks', 'queue').url ?? ''),
      15_000,
      'callback message',
    );
    const { token, orderId, state } = message.body as { token: string; orderId: string; state: string };
    expect(orderId).toBe('cb-1');
    expect(JSON.parse(state)).toMatchObject(input);
    expect(
      (await local.cloud.stepFunctions.call('DescribeExecution', {
        executionArn: first.executionArn,
      })) as object,
    ).toMatchObject({ status: 'RUNNING' });
    await local.cloud.stepFunctions.call('SendTaskSuccess', {
      taskToken: token,
      output: JSON.stringify({ approved: true }),
    });
    const done = await waitForExecution(local.cloud, first.executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}').results.Callback).toEqual({ approved: true });
    await expect(
      local.cloud.stepFunctions.call('SendTaskSuccess', { taskToken: token, output: '{}' }),
    ).rejects.toMatchObject({ code: 'TaskTimedOut' });
    await expect(start('cb-1', input)).rejects.toBeInstanceOf(LocalServiceError);
  });

  it('redrives a failed execution from the state that failed, keeping what the states before it wrote', async () => {
    // No Retry or Catch on Check handles FlowBroken: the execution fails at Check, after Write.
    local.cloud.faults.failNext('Echo', { errorType: 'FlowBroken', errorMessage: 'broken once', times: 1 });
    const { executionArn } = await start('redrive-1', { orderId: 'redrive-1' });
    const failed = await waitForExecution(local.cloud, executionArn);
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: 'FlowBroken',
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });

    const { redriveDate } = (await local.cloud.stepFunctions.call('RedriveExecution', { executionArn })) as {
      redriveDate: number;
    };
    expect(redriveDate).toEqual(expect.any(Number));
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 1,
      redriveDate,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven.',
    });
    expect(done).not.toHaveProperty('error');
    expect(JSON.parse(done.output ?? '{}').results).toHaveProperty('Write');

    const events = await historyOf(local.cloud, executionArn);
    const entered = events.flatMap((e) =>
      e.type.endsWith('StateEntered') ? [(e.stateEnteredEventDetails as { name: string }).name] : [],
    );
    expect(entered.filter((n) => n === 'Write')).toHaveLength(1);
    expect(entered.filter((n) => n === 'Check')).toHaveLength(2);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
    expect(types.indexOf('ExecutionRedriven')).toBe(types.indexOf('ExecutionFailed') + 1);
    expect(events.every((e, i) => e.id === i + 1 && e.previousEventId === i)).toBe(true);

    const listed = (await local.cloud.stepFunctions.call('ListExecutions', {
      stateMachineArn: local.cloud.resources.find('Flow', 'stateMachine').arn,
      redriveFilter: 'REDRIVEN',
    })) as { executions: { name: string; redriveCount: number }[] };
    expect(listed.executions.map((e) => [e.name, e.redriveCount])).toEqual([['redrive-1', 1]]);

    await expect(local.cloud.stepFunctions.call('RedriveExecution', { executionArn })).rejects.toMatchObject({
      code: 'ExecutionNotRedrivable',
      message: 'Execution is not redrivable: Execution is SUCCEEDED and cannot be redriven.',
    });
  });

  it('stops a running execution with StopExecution', async () => {
    const { executionArn } = await start('stop-1', { orderId: 'stop-1', callback: true });
    await eventually(async () =>
      (await historyOf(local.cloud, executionArn)).some((e) => e.type === 'TaskSubmitted') ? true : undefined,
    );
    await local.cloud.stepFunctions.call('StopExecution', { executionArn, error: 'Operator', cause: 'test' });
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'test' });
    expect((await historyOf(local.cloud, executionArn)).at(-1)?.type).toBe('ExecutionAborted');
  });

  it('relays filtered stream records to SQS, which the consumer function drains', async () => {
    const { dynamodb } = engineClients(local.cloud);
    const put = (pk: string, itemType: string, extra: Record<string, { N: string }> = {}) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: 'Tiny-TableCD117FA1',
          Item: { pk: { S: pk }, sk: { S: 'X' }, itemType: { S: itemType }, ...extra },
        }),
      );
    await put('plain-1', 'order');
    await put('outbox-1', 'outbox');
    const consumed = await eventually(
      () => getItem(dynamodb, 'Tiny-TableCD117FA1', 'CONSUMED#outbox-1', 'CONSUMED'),
      20_000,
      'consumed outbox-1',
    );
    expect(consumed.receiveCount).toEqual({ N: '1' });
    // The filter lets only outbox inserts through.
    expect(await getItem(dynamodb, 'Tiny-TableCD117FA1', 'CONSUMED#plain-1', 'CONSUMED')).toBeUndefined();
  });

  it('carries an event whose order id has an emoji (U+10000 and up, which SQS allows) to its consumer', async () => {
    const { dynamodb } = engineClients(local.cloud);
    const pk = 'outbox-order-\u{1F6D2}-\u{1F600}';
    await dynamodb.send(
      new PutItemCommand({
        TableName: 'Tiny-TableCD117FA1',
        Item: { pk: { S: pk }, sk: { S: 'X' }, itemType: { S: 'outbox' } },
      }),
    );
    const consumed = await eventually(
      () => getItem(dynamodb, 'Tiny-TableCD117FA1', `CONSUMED#${pk}`, 'CONSUMED'),
      20_000,
      'consumed emoji order',
    );
    expect(consumed.receiveCount).toEqual({ N: '1' });
  });

  it('sends a stream batch that keeps failing to the on-failure queue after the retry budget', async () => {
    const { dynamodb, sqs } = engineClients(local.cloud);
    await dynamodb.send(
      new PutItemCommand({
        TableName: 'Tiny-TableCD117FA1',
        Item: { pk: { S: 'poison-1' }, sk: { S: 'X' }, itemType: { S: 'outbox' }, poison: { N: '1' } },
      }),
    );
    const failure = await eventually(
      () => receiveOne(sqs, local.cloud.resources.find('RelayFailures', 'queue').url ?? ''),
      20_000,
      'on-failure message',
    );
    expect(failure.body).toMatchObject({
      requestContext: {
        condition: 'RetryAttemptsExhausted',
        functionArn: local.cloud.resources.find('Relay', 'function').arn,
      },
      DDBStreamBatchInfo: { batchSize: 1, streamArn: local.cloud.resources.find('Table', 'table').streamArn },
    });
  });

  it('moves a message the consumer keeps failing to the queue DLQ after maxReceiveCount', async () => {
    const { sqs } = engineClients(local.cloud);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: local.cloud.resources.find('Events', 'queue').url,
        MessageBody: JSON.stringify({ pk: 'bad-1', fail: true }),
      }),
    );
    const dead = await eventually(
      () => receiveOne(sqs, local.cloud.resources.find('EventsDlq', 'queue').url ?? ''),
      30_000,
      'DLQ message',
    );
    expect(dead.body).toEqual({ pk: 'bad-1', fail: true });
  });

  it('times out a hanging handler with the Lambda timeout error', async () => {
    const out = (await local.cloud.lambda.call('Invoke', {
      FunctionName: local.cloud.resources.find('Hang', 'function').name,
      Payload: '{}',
    })) as Record<string, string>;
    expect(out.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(out.Payload ?? '{}');
    expect(payload.errorType).toBe('Sandbox.Timedout');
    expect(payload.errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
    );
  });

  it('survives a handler that exits its worker: Runtime.ExitError, and other functions keep working', async () => {
    const crash = local.cloud.resources.find('Crash', 'function').name;
    for (let i = 0; i < 2; i++) {
      const out = (await local.cloud.lambda.call('Invoke', { FunctionName: crash, Payload: '{}' })) as Record<
        string,
        string
      >;
      expect(out.FunctionError).toBe('Unhandled');
      expect(JSON.parse(out.Payload ?? '{}')).toMatchObject({
        errorType: 'Runtime.ExitError',
        errorMessage: expect.stringMatching(/Error: Runtime exited with error: exit status 3$/),
      });
    }
    const echo = (await local.cloud.lambda.call('Invoke', {
      FunctionName: local.cloud.resources.find('Echo', 'function').arn,
      Payload: JSON.stringify({ hello: 'world' }),
      LogType: 'Tail',
    })) as Record<string, string>;
    expect(echo.FunctionError).toBeUndefined();
    expect(JSON.parse(echo.Payload ?? '{}').echoed).toEqual({ hello: 'world' });
    expect(Buffer.from(echo.LogResult ?? '', 'base64').toString()).toContain(
      'echo received {"hello":"world"}',
    );
  });

  it('answers Invoke of an unknown function with ResourceNotFoundException', async () => {
    await expect(
      local.cloud.lambda.call('Invoke', { FunctionName: 'nope', Payload: '{}' }),
    ).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      statusCode: 404,
      message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope',
    });
  });
});
