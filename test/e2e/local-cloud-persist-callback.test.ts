import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalCloud, startLocalCloud } from '../../infra/local/index.js';
import { waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, eventually, receiveOne } from '../support/local-cloud.js';
import { buildTinyApp } from './fixtures/tiny-app.js';

/**
 * A Standard workflow waiting on a task token survives a restart of the local cloud with --persist:
 * the token handed out before the restart completes the execution after it, once.
 */
describe('local cloud --persist: an execution waiting on a task token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepsaga-persist-token-'));
  const clouds: LocalCloud[] = [];
  const start = async () => {
    const cloud = await startLocalCloud({
      app: () => buildTinyApp(),
      persist: dir,
      retryIntervalDivisor: 20,
      pollIntervalMs: 50,
    });
    clouds.push(cloud);
    return cloud;
  };
  afterAll(async () => {
    for (const cloud of clouds) await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

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
