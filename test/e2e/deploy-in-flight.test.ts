import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReloadReport } from '../../infra/local/index.js';
import { useLocalCloud, waitForExecution, waitingParkToken } from '../../infra/local/testing/index.js';
import {
  engineClients,
  eventually,
  getItem,
  type HistoryEventShape,
  historyOf,
} from '../support/local-cloud.js';
import { buildDeployApp, writeLedgerSource } from './fixtures/deploy-app.js';

/**
 * A deploy while a saga is in flight: Book starts on version 1 of Ledger, Confirm is refused and
 * the compensation of Record keeps failing, so the saga parks and waits. The app is then
 * re-synthesized with Ledger's code changed to version 2 and the running cloud reloads it. The
 * operator's retry runs the compensation with version 1's code, the code the saga started with; a
 * saga started after the reload runs version 2.
 */
const sourceDir = fileURLToPath(new URL('../../.stepsaga/deploy-in-flight/', import.meta.url));
const ledgerEntry = writeLedgerSource(sourceDir, 'v1');
const local = useLocalCloud(() => buildDeployApp(ledgerEntry), { retryIntervalDivisor: 100, faults: {} });
afterAll(() => rmSync(sourceDir, { recursive: true, force: true }));

const resource = (kind: 'table' | 'function' | 'stateMachine' | 'queue', prefix: string) => {
  const found = local.cloud.resources.list(kind).filter((r) => r.path?.startsWith(`Deploys/${prefix}`));
  if (found.length !== 1 || !found[0])
    throw new Error(`expected one ${kind} under ${prefix}, found ${found.length}`);
  return found[0];
};
const ledgerTable = () => resource('table', 'Ledger/Table/').name;
const ledgerFunction = () => resource('function', 'Ledger/Function/').name;
const item = (id: string, sk: string) =>
  getItem(engineClients(local.cloud).dynamodb, ledgerTable(), `ENTRY#${id}`, sk);
const parkedDepth = async () => {
  const { Attributes = {} } = await engineClients(local.cloud).sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: resource('queue', 'Book/ParkedQueue/').url,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(Attributes.ApproximateNumberOfMessages);
};
/** The ARN each Lambda task of a state was scheduled with, in order. */
const scheduledResources = (events: readonly HistoryEventShape[]) =>
  events.flatMap((e) =>
    e.type === 'LambdaFunctionScheduled'
      ? [(e.lambdaFunctionScheduledEventDetails as { resource: string }).resource]
      : [],
  );

function startBook(id: string): Promise<{ executionArn: string }> {
  return local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: resource('stateMachine', 'Book/').arn,
    name: id,
    input: JSON.stringify({ id }),
  }) as Promise<{ executionArn: string }>;
}

function refuseConfirm(sagaId: string): void {
  local.cloud.faults.inject({
    kind: 'error',
    function: ledgerFunction(),
    sagaId,
    step: 'Confirm',
    phase: 'action',
    errorType: 'SagaBusinessError',
    errorMessage: 'confirmation refused',
    times: 'always',
  });
}

const invoke = (Qualifier?: string) =>
  local.cloud.lambda.call('Invoke', {
    FunctionName: ledgerFunction(),
    Payload: '{}',
    ...(Qualifier ? { Qualifier } : {}),
  }) as Promise<{ ExecutedVersion: string }>;

describe('a deploy while a saga is in flight', () => {
  let report: ReloadReport;
  let inFlight: string;

  it('publishes version 1 and points the live alias at it; an unknown qualifier is not found', async () => {
    expect((await invoke('1')).ExecutedVersion).toBe('1');
    expect((await invoke('live')).ExecutedVersion).toBe('1');
    expect((await invoke()).ExecutedVersion).toBe('$LATEST');
    await expect(invoke('2')).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      message: expect.stringContaining(`function:${ledgerFunction()}:2`),
    });
    await expect(
      local.cloud.lambda.call('Invoke', { FunctionName: `${ledgerFunction()}:1`, Qualifier: 'live' }),
    ).rejects.toMatchObject({ code: 'InvalidParameterValueException' });
  });

  it('parks a saga started on version 1, then reloads the app with version 2 without losing it', async () => {
    refuseConfirm('trip-1');
    const undoFault = local.cloud.faults.inject({
      kind: 'error',
      function: ledgerFunction(),
      sagaId: 'trip-1',
      phase: 'compensation',
      errorType: 'Lambda.ServiceException',
      errorMessage: 'ledger down',
      times: 'always',
    });
    ({ executionArn: inFlight } = await startBook('trip-1'));
    await eventually(
      async () => waitingParkToken(await historyOf(local.cloud, inFlight)),
      30_000,
      'the park',
    );
    expect((await item('trip-1', 'entry'))?.recordedBy?.S).toBe('v1');
    expect(await parkedDepth()).toBe(1);

    writeLedgerSource(sourceDir, 'v2');
    report = await local.cloud.reload(() => buildDeployApp(ledgerEntry));
    undoFault.remove();

    expect(report.problems).toEqual([]);
    const applied = (type: string, change: string) =>
      report.changes.filter((c) => c.type === type && c.change === change && c.applied).map((c) => c.where);
    expect(applied('AWS::Lambda::Function', 'updated')).toEqual(['Deploys/Ledger/Function/Resource']);
    expect(
      report.changes.find((c) => c.type === 'AWS::Lambda::Version' && c.change === 'added'),
    ).toMatchObject({
      applied: true,
      version: '2',
    });
    expect(applied('AWS::StepFunctions::StateMachine', 'updated')).toEqual([
      'Deploys/Book/Resource/Resource',
    ]);
    // The old version is retained, as RemovalPolicy.RETAIN keeps it on AWS.
    expect(
      report.changes.find((c) => c.type === 'AWS::Lambda::Version' && c.change === 'removed'),
    ).toBeDefined();
    expect((await invoke('live')).ExecutedVersion).toBe('2');
    expect((await invoke('1')).ExecutedVersion).toBe('1');

    // Tables keep their items, queues their messages, and the execution still waits.
    expect((await item('trip-1', 'entry'))?.recordedBy?.S).toBe('v1');
    expect(await parkedDepth()).toBe(1);
    const status = (await local.cloud.stepFunctions.call('DescribeExecution', {
      executionArn: inFlight,
    })) as {
      status: string;
    };
    expect(status.status).toBe('RUNNING');
  });

  it("compensates the in-flight saga with version 1's code after the operator's retry", async () => {
    const token = waitingParkToken(await historyOf(local.cloud, inFlight));
    await local.cloud.stepFunctions.call('SendTaskSuccess', {
      taskToken: token,
      output: JSON.stringify({ decision: 'retry' }),
    });
    const outcome = await waitForExecution(local.cloud, inFlight);
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('SagaCompensated');
    expect((await item('trip-1', 'undo'))?.undoneBy?.S).toBe('v1');
    const invoked = scheduledResources(await historyOf(local.cloud, inFlight));
    expect(invoked.length).toBeGreaterThan(0);
    for (const arn of invoked) expect(arn).toMatch(new RegExp(`:function:${ledgerFunction()}:1$`));
  });

  it('runs a saga started after the reload on version 2', async () => {
    refuseConfirm('trip-2');
    const { executionArn } = await startBook('trip-2');
    const outcome = await waitForExecution(local.cloud, executionArn);
    expect(outcome.error).toBe('SagaCompensated');
    expect((await item('trip-2', 'entry'))?.recordedBy?.S).toBe('v2');
    expect((await item('trip-2', 'undo'))?.undoneBy?.S).toBe('v2');
    for (const arn of scheduledResources(await historyOf(local.cloud, executionArn)))
      expect(arn).toMatch(new RegExp(`:function:${ledgerFunction()}:2$`));
  });

  it('reports nothing to apply when the app is synthesized again unchanged', async () => {
    const again = await local.cloud.reload(() => buildDeployApp(ledgerEntry));
    expect(again.problems).toEqual([]);
    expect(
      again.changes.filter(
        (c) => c.type.startsWith('AWS::Lambda::') || c.type.startsWith('AWS::StepFunctions::'),
      ),
    ).toEqual([]);
  });
});
