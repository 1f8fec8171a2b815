import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { describe, expect, it } from 'vitest';
import type { LocalLogLine } from '../../infra/local/index.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, eventually, historyOf } from '../support/local-cloud.js';

// Handlers that answer what Step Functions cannot carry, and a message no consumer can read.
const inline = (stack: Stack, id: string, code: string, timeout = Duration.seconds(3)) =>
  new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline(code),
    timeout,
  });

function badResultsApp(): App {
  const app = new App();
  const stack = new Stack(app, 'BadResults');
  const huge = inline(stack, 'Huge', `exports.handler = async () => ({ blob: 'x'.repeat(300000) });`);
  const bigint = inline(stack, 'BigIntResult', 'exports.handler = async () => ({ amount: 10n });');
  const handled = sfn.Condition.isPresent('$.errors');
  for (const [id, fn] of [
    ['HugeResult', huge],
    ['NonJsonResult', bigint],
  ] as const) {
    const call = new tasks.LambdaInvoke(stack, `${id}Call`, {
      lambdaFunction: fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
    });
    // A Catch-all that would turn any catchable error into success, so the terminal failure shows.
    call.addCatch(new sfn.Pass(stack, `${id}Caught`), { errors: ['States.ALL'], resultPath: '$.errors' });
    new sfn.StateMachine(stack, id, {
      stateMachineName: id,
      definitionBody: sfn.DefinitionBody.fromChainable(
        call.next(
          new sfn.Choice(stack, `${id}Check`)
            .when(handled, new sfn.Succeed(stack, `${id}Done`))
            .otherwise(new sfn.Succeed(stack, `${id}Ok`)),
        ),
      ),
    });
  }
  // Two results of 150 KB each: either fits a task result, both together overflow the state.
  const half = inline(stack, 'Half', `exports.handler = async () => 'x'.repeat(150000);`);
  const firstHalf = new tasks.LambdaInvoke(stack, 'FirstHalf', {
    lambdaFunction: half,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    resultPath: '$.first',
  });
  const secondHalf = new tasks.LambdaInvoke(stack, 'SecondHalf', {
    lambdaFunction: half,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    resultPath: '$.second',
  });
  secondHalf.addCatch(new sfn.Pass(stack, 'SecondHalfCaught'), {
    errors: ['States.ALL'],
    resultPath: '$.errors',
  });
  new sfn.StateMachine(stack, 'MergedState', {
    stateMachineName: 'MergedState',
    definitionBody: sfn.DefinitionBody.fromChainable(
      firstHalf.next(secondHalf).next(new sfn.Pass(stack, 'AfterBothHalves')),
    ),
  });
  // Parameters that double a 150 KB input: the task's input is over the limit before any call.
  const wide = new tasks.LambdaInvoke(stack, 'WideCall', {
    lambdaFunction: half,
    payload: sfn.TaskInput.fromObject({ a: sfn.JsonPath.stringAt('$.s'), b: sfn.JsonPath.stringAt('$.s') }),
    retryOnServiceExceptions: false,
  });
  wide.addCatch(new sfn.Pass(stack, 'WideCaught'), { errors: ['States.ALL'], resultPath: '$.errors' });
  new sfn.StateMachine(stack, 'WideParameters', {
    stateMachineName: 'WideParameters',
    definitionBody: sfn.DefinitionBody.fromChainable(wide),
  });
  inline(stack, 'Giant', `exports.handler = async () => 'x'.repeat(6300000);`);
  const dlq = new sqs.Queue(stack, 'PoisonDlq');
  const queue = new sqs.Queue(stack, 'Work', {
    visibilityTimeout: Duration.seconds(1),
    deadLetterQueue: { queue: dlq, maxReceiveCount: 2 },
  });
  const consumer = inline(
    stack,
    'Consumer',
    `exports.handler = async (event) => {
      for (const record of event.Records) {
        console.log('attempt ' + record.messageId + ' #' + record.attributes.ApproximateReceiveCount);
        JSON.parse(record.body);
      }
    };`,
  );
  consumer.addEventSource(new SqsEventSource(queue, { batchSize: 1 }));
  return app;
}

const logs: LocalLogLine[] = [];
const local = useLocalCloud(badResultsApp, { onLog: (line) => logs.push(line), pollIntervalMs: 50 });

const run = async (name: string, input = '{}') => {
  const machine = local.cloud.resources.find(name, 'stateMachine');
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: machine.arn,
    input,
  })) as { executionArn: string };
  return { executionArn, done: await waitForExecution(local.cloud, executionArn) };
};

describe('bad results and poison messages on the local cloud', () => {
  it('fails the execution with States.DataLimitExceeded when a task returns over 256 KB, past any Catch', async () => {
    const { executionArn, done } = await run('HugeResult');
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.DataLimitExceeded');
    expect(done.cause).toMatch(
      /^The state\/task 'arn:aws:lambda:us-east-1:000000000000:function:.*Huge.*' returned a result with a size exceeding the maximum number of bytes service limit\.$/,
    );
    const types = (await historyOf(local.cloud, executionArn)).map((e) => e.type);
    expect(types).toContain('ExecutionFailed');
    expect(types).not.toContain('PassStateEntered');
  });

  it('fails the execution with States.DataLimitExceeded when a result merged by ResultPath makes the state too large, past any Catch', async () => {
    const { executionArn, done } = await run('MergedState');
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.DataLimitExceeded');
    expect(done.cause).toBe(
      "The state/task 'SecondHalf' returned a result with a size exceeding the maximum number of bytes service limit.",
    );
    const history = await historyOf(local.cloud, executionArn);
    // The second result came back whole; the state it made never left SecondHalf.
    expect(history.filter((e) => e.type === 'LambdaFunctionSucceeded')).toHaveLength(2);
    expect(history.filter((e) => e.type === 'TaskStateExited')).toHaveLength(1);
    expect(history.map((e) => e.type)).not.toContain('PassStateEntered');
  });

  it('fails the execution with States.DataLimitExceeded when a task input after Parameters is too large, before calling anything', async () => {
    const { executionArn, done } = await run('WideParameters', JSON.stringify({ s: 'y'.repeat(150_000) }));
    expect(done.error).toBe('States.DataLimitExceeded');
    expect(done.cause).toBe(
      "The state/task 'WideCall' has an input with a size exceeding the maximum number of bytes service limit.",
    );
    const types = (await historyOf(local.cloud, executionArn)).map((e) => e.type);
    expect(types).not.toContain('TaskScheduled');
    expect(types).not.toContain('PassStateEntered');
  });

  it('answers a synchronous invocation over 6 MB as Lambda does: the request refused, the response a function error', async () => {
    const giant = local.cloud.resources.find('Giant', 'function');
    const response = (await local.cloud.lambda.call('Invoke', {
      FunctionName: giant.name,
      Payload: '{}',
    })) as {
      FunctionError?: string;
      Payload: string;
    };
    expect(response.FunctionError).toBe('Unhandled');
    expect(JSON.parse(response.Payload)).toEqual({
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
    await expect(
      local.cloud.lambda.call('Invoke', {
        FunctionName: giant.name,
        Payload: JSON.stringify({ blob: 'z'.repeat(6_300_000) }),
      }),
    ).rejects.toMatchObject({
      code: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    });
  });

  it('fails the task with the serialization error when a handler returns something JSON cannot carry', async () => {
    const { executionArn, done } = await run('NonJsonResult');
    // Not terminal: the Catch takes it, and the caught error names the cause.
    expect(done.status).toBe('SUCCEEDED');
    const caught = JSON.parse(done.output ?? '{}').errors as { Error: string; Cause: string };
    expect(caught.Error).toBe('TypeError');
    expect(JSON.parse(caught.Cause).errorMessage).toBe('Do not know how to serialize a BigInt');
    expect((await historyOf(local.cloud, executionArn)).map((e) => e.type)).toContain('LambdaFunctionFailed');
  });

  it('moves a poison message to the dead-letter queue after maxReceiveCount attempts, with no crash loop', async () => {
    const { sqs } = engineClients(local.cloud);
    const work = local.cloud.resources.find('Work', 'queue');
    const dlq = local.cloud.resources.find('PoisonDlq', 'queue');
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: '{not json' }));
    const dead = await eventually(
      async () =>
        (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1 }))).Messages?.[0],
      20_000,
      'the poison message in the DLQ',
    );
    expect(dead.Body).toBe('{not json');
    expect(dead.MessageId).toBe(sent.MessageId);
    // Two receives (maxReceiveCount 2), then quiet: the consumer is not called again.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const attempts = logs
      .filter((l) => l.message.includes(`attempt ${sent.MessageId}`))
      .map((l) => l.message);
    expect(attempts).toEqual([`attempt ${sent.MessageId} #1`, `attempt ${sent.MessageId} #2`]);
  });
});
