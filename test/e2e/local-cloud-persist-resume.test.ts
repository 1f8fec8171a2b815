import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../infra/local/index.js';
import { waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, eventually, receiveOne } from '../support/local-cloud.js';
import { buildTinyApp } from './fixtures/tiny-app.js';

/**
 * Standard executions that were waiting when a local cloud with --persist stopped carry on after it
 * starts again: a task token handed out before the restart completes its execution once, and a Wait
 * state waits only what was left of it.
 */
/**
 * Starts clouds of one app on one --persist folder, as many times as a test restarts it; the suite
 * stops them all and removes the folder.
 */
function persistedCloud(
  name: string,
  options: Omit<LocalCloudOptions, 'persist'>,
): () => Promise<LocalCloud> {
  const dir = mkdtempSync(join(tmpdir(), `stepsaga-persist-${name}-`));
  const clouds: LocalCloud[] = [];
  afterAll(async () => {
    for (const cloud of clouds) await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
  return async () => {
    const cloud = await startLocalCloud({ ...options, persist: dir });
    clouds.push(cloud);
    return cloud;
  };
}

describe('local cloud --persist: an execution waiting on a task token', () => {
  const start = persistedCloud('token', {
    app: () => buildTinyApp(),
    retryIntervalDivisor: 20,
    pollIntervalMs: 50,
  });

  it('is still RUNNING after the restart, and the token issued before it completes the execution', async () => {
    const first = await start();
    const flow = first.resources.find('Flow', 'stateMachine');
    const input = { orderId: 'token-restart-1', callback: true };
    const { executionArn } = (await first.stepFunctions.call('StartExecution', {
      stateMachineArn: flow.arn,
      name: 'token-restart-1',
      input: JSON.stringify(input),
    })) as { executionArn: string };
    const message = await eventually(
      () => receiveOne(engineClients(first).sqs, first.resources.find('Callbacks', 'queue').url ?? ''),
      15_000,
      'callback message',
    );
    const { token } = message.body as { token: string };
    await first.stop();

    const second = await start();
    expect((await second.stepFunctions.call('DescribeExecution', { executionArn })) as object).toMatchObject({
      status: 'RUNNING',
    });
    await second.stepFunctions.call('SendTaskSuccess', {
      taskToken: token,
      output: JSON.stringify({ approved: 'after restart' }),
    });
    const done = await waitForExecution(second, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}').results.Callback).toEqual({ approved: 'after restart' });
    // The token was used: a second answer is refused as on AWS.
    await expect(
      second.stepFunctions.call('SendTaskSuccess', { taskToken: token, output: '{}' }),
    ).rejects.toMatchObject({ code: 'TaskTimedOut' });
  }, 180_000);
});

/** One state machine that waits `$.seconds`, then ends. */
function buildWaitApp(): App {
  const app = new App();
  const stack = new Stack(app, 'WaitAcrossRestart');
  const hold = new sfn.Wait(stack, 'Hold', { time: sfn.WaitTime.secondsPath('$.seconds') });
  new sfn.StateMachine(stack, 'Waiter', {
    definitionBody: sfn.DefinitionBody.fromChainable(hold.next(new sfn.Pass(stack, 'Done'))),
  });
  return app;
}

describe('local cloud --persist: an execution in a Wait state', () => {
  const start = persistedCloud('wait', { app: () => buildWaitApp() });

  it('ends when the wait it entered before the restart is over, not a whole wait after the restart', async () => {
    const WAIT_SECONDS = 30;
    const first = await start();
    const waiter = first.resources.find('Waiter', 'stateMachine');
    const { executionArn, startDate } = (await first.stepFunctions.call('StartExecution', {
      stateMachineArn: waiter.arn,
      name: 'wait-restart-1',
      input: JSON.stringify({ seconds: WAIT_SECONDS }),
    })) as { executionArn: string; startDate: number };
    // Down for a good part of the wait: a Wait that started over would end at least this much later.
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    await first.stop();

    const second = await start();
    expect((await second.stepFunctions.call('DescribeExecution', { executionArn })) as object).toMatchObject({
      status: 'RUNNING',
    });
    const done = await waitForExecution(second, executionArn, 60_000);
    expect(done.status).toBe('SUCCEEDED');
    const { stopDate } = (await second.stepFunctions.call('DescribeExecution', { executionArn })) as {
      stopDate: number;
    };
    // Step Functions' JSON protocol carries dates as epoch seconds.
    const ranSeconds = stopDate - startDate;
    expect(ranSeconds).toBeGreaterThanOrEqual(WAIT_SECONDS);
    // A restarted wait would end after WAIT_SECONDS + 8 s + the restart.
    expect(ranSeconds).toBeLessThan(WAIT_SECONDS + 6);
  }, 180_000);
});
