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

const run = async (name: string) => {
  const machine = local.cloud.resources.find(name, 'stateMachine');
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: machine.arn,
    input: '{}',
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
