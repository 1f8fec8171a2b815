import { execFile } from 'node:child_process';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { type Gateway, startGateway } from '../../infra/local/gateway/index.js';
import { useLocalCloud, waitForExecution, waitingParkToken } from '../../infra/local/testing/index.js';
import type { InjectedFaultHandle } from '../../infra/local/types.js';
import {
  engineClients,
  eventually,
  getItem,
  type HistoryEventShape,
  historyOf,
} from '../support/local-cloud.js';

/**
 * An operator's day with a parked saga, on the example app: Shipping refuses an order, so the saga
 * refunds and releases; the refund keeps failing (an injected fault), so the saga parks at
 * `Compensate ChargePayment` and waits. The operator answers with the `stepsaga` CLI, through the
 * local endpoint as they would against AWS with --aws.
 */
const local = useLocalCloud(() => buildExampleApp().app, {
  retryIntervalDivisor: 50,
  synthCache: { name: 'infra/app.ts' },
  faults: {},
});
let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway(local.cloud, { port: 0 });
});
afterAll(async () => {
  await gateway?.stop();
});

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function stepsaga(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'node_modules/.bin/tsx',
      ['infra/local/cli/main.ts', ...args],
      { env: { ...process.env, AWS_ENDPOINT_URL: gateway.endpoint, AWS_REGION: 'us-east-1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const byPath = (kind: 'table' | 'function' | 'queue' | 'stateMachine', prefix: string) => {
  const found = local.cloud.resources
    .list(kind)
    .filter((r) => r.path?.startsWith(`StepsagaExample/${prefix}`));
  if (found.length !== 1 || !found[0])
    throw new Error(`expected one ${kind} under ${prefix}, found ${found.length}`);
  return found[0];
};
const table = (participant: string) => byPath('table', `${participant}/Table/`).name;
const fn = (participant: string) => byPath('function', `${participant}/Function/`).name;
const dynamodb = () => engineClients(local.cloud).dynamodb;
const parkedQueueUrl = () => byPath('queue', 'PlaceOrder/ParkedQueue/').url ?? '';

const stock = async (sku: string) =>
  Number((await getItem(dynamodb(), table('Inventory'), `SKU#${sku}`, 'STOCK'))?.available?.N);
const balance = async (customer: string) =>
  Number((await getItem(dynamodb(), table('Payment'), `ACCOUNT#${customer}`, 'BALANCE'))?.balance?.N);
// Every barrier here is PlaceOrder's: the key carries the saga's name before its id.
const barrier = async (participant: string, sagaId: string, sk: string) =>
  (await getItem(dynamodb(), table(participant), `BARRIER#PlaceOrder#${sagaId}`, sk))?.status?.S;

async function seed(id: string) {
  await dynamodb().send(
    new PutItemCommand({
      TableName: table('Inventory'),
      Item: marshall({ pk: `SKU#${id}`, sk: 'STOCK', available: 10 }),
    }),
  );
  await dynamodb().send(
    new PutItemCommand({
      TableName: table('Payment'),
      Item: marshall({ pk: `ACCOUNT#${id}`, sk: 'BALANCE', balance: 10_000 }),
    }),
  );
}

/**
 * Starts an order that Shipping refuses and whose refund fails on every attempt, and waits until
 * it is parked. Returns the fault, to lift it as an operator would fix the payment service.
 */
async function parkOrder(
  orderId: string,
): Promise<{ executionArn: string; refundFault: InjectedFaultHandle }> {
  await seed(orderId);
  local.cloud.faults.inject({
    kind: 'error',
    function: fn('Shipping'),
    sagaId: orderId,
    phase: 'action',
    errorType: 'SagaBusinessError',
    errorMessage: 'address unknown',
    times: 'always',
  });
  const refundFault = local.cloud.faults.inject({
    kind: 'error',
    function: fn('Payment'),
    sagaId: orderId,
    phase: 'compensation',
    errorType: 'Lambda.ServiceException',
    errorMessage: 'payment provider down',
    times: 'always',
  });
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: byPath('stateMachine', 'PlaceOrder/').arn,
    name: orderId,
    input: JSON.stringify({ orderId, customerId: orderId, sku: orderId, quantity: 2, amount: 1_000 }),
  })) as { executionArn: string };
  await eventually(
    async () => waitingParkToken(await historyOf(local.cloud, executionArn)),
    30_000,
    'the park',
  );
  return { executionArn, refundFault };
}

const entered = (events: readonly HistoryEventShape[]) =>
  events.flatMap((e) =>
    e.type.endsWith('StateEntered') ? [(e.stateEnteredEventDetails as { name: string }).name] : [],
  );
/** The states entered from the park on. */
const afterPark = (events: readonly HistoryEventShape[]) => {
  const names = entered(events);
  return names.slice(names.indexOf('Park Compensate ChargePayment'));
};
const refundAttempts = (events: readonly HistoryEventShape[]) =>
  entered(events).filter((n) => n === 'Compensate ChargePayment').length;

const queueDepth = async () => {
  const { Attributes = {} } = await engineClients(local.cloud).sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: parkedQueueUrl(),
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible)
  );
};

describe('stepsaga parked', () => {
  it('lists and shows a parked saga with what an operator needs, and leaves its message in the queue', async () => {
    const { executionArn } = await parkOrder('park-list-1');
    const before = await queueDepth();
    const list = await stepsaga(['parked', 'list', 'PlaceOrder']);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const row = list.stdout.split('\n').find((line) => line.startsWith('park-list-1'));
    expect(row?.split(/\s{2,}/)).toEqual([
      'park-list-1',
      'PlaceOrder',
      'Compensate ChargePayment',
      'Lambda.ServiceException',
      expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      'waiting',
    ]);
    // Listing receives with a short visibility timeout and makes the messages visible again at once.
    await stepsaga(['parked', 'list']);
    expect(await queueDepth()).toBe(before);
    const { Attributes = {} } = await engineClients(local.cloud).sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: parkedQueueUrl(),
        AttributeNames: ['ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(Number(Attributes.ApproximateNumberOfMessagesNotVisible)).toBe(0);

    const show = await stepsaga(['parked', 'show', 'park-list-1']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain(`Execution    ${executionArn} (RUNNING)`);
    expect(show.stdout).toContain('Failed state Compensate ChargePayment (step ChargePayment, compensation)');
    expect(show.stdout).toContain('Cause        ');
    expect(show.stdout).toContain('payment provider down');
    expect(show.stdout).toContain('ShipOrder: SagaBusinessError');
    expect(show.stdout).toContain('Decide with: stepsaga parked retry|skip|abandon park-list-1');

    // Tidy up: this execution must not keep waiting for the suites that follow.
    expect((await stepsaga(['parked', 'abandon', 'park-list-1'])).code).toBe(0);
    expect((await waitForExecution(local.cloud, executionArn)).error).toBe('SagaParked');
  });

  it('retry, once the fault is lifted, runs the refund again and finishes compensating', async () => {
    const { executionArn, refundFault } = await parkOrder('park-retry-1');
    // Still broken while parked: the order is charged and its stock released only after the refund.
    expect(await balance('park-retry-1')).toBe(9_000);
    expect(await stock('park-retry-1')).toBe(8);
    refundFault.remove();

    const decided = await stepsaga(['parked', 'retry', 'park-retry-1', '--by', 'ops@example.com']);
    expect(decided.stderr).toBe('');
    expect(decided.stdout.trim()).toBe(
      'Sent "retry" to saga park-retry-1 (Compensate ChargePayment); its parked message was removed.',
    );
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCompensated');
    expect(await balance('park-retry-1')).toBe(10_000);
    expect(await stock('park-retry-1')).toBe(10);
    expect(await barrier('Payment', 'park-retry-1', 'ChargePayment#compensation')).toBe('committed');
    expect(await barrier('Inventory', 'park-retry-1', 'ReserveInventory#compensation')).toBe('committed');

    const events = await historyOf(local.cloud, executionArn);
    expect(afterPark(events)).toEqual([
      'Park Compensate ChargePayment',
      'Decide Compensate ChargePayment',
      'Compensate ChargePayment',
      'Compensate ReserveInventory',
      'Publish SagaCompensated',
      'SagaCompensated',
    ]);
    expect(refundAttempts(events)).toBe(2);
    // The decision, with who made it, is in the history.
    const decision = events.find(
      (e) =>
        e.type === 'TaskSucceeded' &&
        String((e.taskSucceededEventDetails as { output: string }).output).includes('decision'),
    );
    expect(
      JSON.parse((decision?.taskSucceededEventDetails as { output?: string } | undefined)?.output ?? 'null'),
    ).toEqual({
      decision: 'retry',
      by: 'ops@example.com',
    });
    // The decision removed the parked message, so the parked alarm clears.
    const parked = (await stepsaga(['parked', 'list'])).stdout;
    expect(parked).not.toContain('park-retry-1');
  });

  it('retry of a refund that had committed before the park answers with the first result and refunds once', async () => {
    const { executionArn, refundFault } = await parkOrder('park-retry-2');
    refundFault.remove();
    // The operator refunded by running the compensation themselves; then asks the saga to retry it.
    // The barrier sees the committed compensation and answers it: the customer is not refunded twice.
    const requested = (await historyOf(local.cloud, executionArn)).find(
      (e) =>
        e.type === 'LambdaFunctionScheduled' &&
        String((e.lambdaFunctionScheduledEventDetails as { input: string }).input).includes(
          '"phase":"compensation"',
        ),
    );
    const request = JSON.parse(
      (requested?.lambdaFunctionScheduledEventDetails as { input?: string } | undefined)?.input ?? 'null',
    );
    await local.cloud.lambda.call('Invoke', {
      FunctionName: fn('Payment'),
      Payload: JSON.stringify(request),
    });
    expect(await balance('park-retry-2')).toBe(10_000);

    expect((await stepsaga(['parked', 'retry', 'park-retry-2'])).code).toBe(0);
    expect((await waitForExecution(local.cloud, executionArn)).error).toBe('SagaCompensated');
    expect(await balance('park-retry-2')).toBe(10_000);
    expect(await stock('park-retry-2')).toBe(10);
  });

  it('skip carries on with the remaining compensations and leaves the refund to the operator', async () => {
    const { executionArn } = await parkOrder('park-skip-1');
    const decided = await stepsaga(['parked', 'skip', 'park-skip-1', '--note', 'refunded by hand']);
    expect(decided.code).toBe(0);
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.error).toBe('SagaCompensated');
    // The saga did not refund (the operator said they did); it released the stock.
    expect(await balance('park-skip-1')).toBe(9_000);
    expect(await barrier('Payment', 'park-skip-1', 'ChargePayment#compensation')).toBeUndefined();
    expect(await stock('park-skip-1')).toBe(10);
    expect(await barrier('Inventory', 'park-skip-1', 'ReserveInventory#compensation')).toBe('committed');
    const events = await historyOf(local.cloud, executionArn);
    expect(afterPark(events)).toEqual([
      'Park Compensate ChargePayment',
      'Decide Compensate ChargePayment',
      'Compensate ReserveInventory',
      'Publish SagaCompensated',
      'SagaCompensated',
    ]);
    expect(refundAttempts(events)).toBe(1);
  });

  it('abandon ends the saga as SagaParked, with nothing further compensated', async () => {
    const { executionArn } = await parkOrder('park-abandon-1');
    expect((await stepsaga(['parked', 'abandon', 'park-abandon-1'])).code).toBe(0);
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaParked');
    expect(Object.keys(JSON.parse(String(done.cause)))).toEqual(['ShipOrder', 'Compensate ChargePayment']);
    expect(await balance('park-abandon-1')).toBe(9_000);
    expect(await stock('park-abandon-1')).toBe(8);
    expect(await barrier('Inventory', 'park-abandon-1', 'ReserveInventory#compensation')).toBeUndefined();
    expect(afterPark(await historyOf(local.cloud, executionArn))).toEqual([
      'Park Compensate ChargePayment',
      'Decide Compensate ChargePayment',
      'Publish SagaParked',
      'SagaParked',
    ]);
    // A second decision finds nothing waiting: each park is decided once.
    const again = await stepsaga(['parked', 'retry', 'park-abandon-1']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('ParkedSagaNotFound');
  });

  it('refuses a saga that is not parked and a parked command it does not know', async () => {
    const unknown = await stepsaga(['parked', 'show', 'no-such-saga']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^stepsaga: ParkedSagaNotFound: No parked message for "no-such-saga"/);
    const bad = await stepsaga(['parked', 'maybe', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown "parked" command "maybe"');
  });
});

describe('stepsaga redrive', () => {
  it('reruns an aborted execution from the state that did not finish, without rerunning the steps that succeeded', async () => {
    const { executionArn, refundFault } = await parkOrder('redrive-1');
    const scheduledBefore = (await historyOf(local.cloud, executionArn)).filter(
      (e) => e.type === 'LambdaFunctionScheduled',
    ).length;
    await local.cloud.stepFunctions.call('StopExecution', { executionArn, error: 'OperatorStopped' });
    expect((await waitForExecution(local.cloud, executionArn)).status).toBe('ABORTED');
    const described = (await local.cloud.stepFunctions.call('DescribeExecution', { executionArn })) as Record<
      string,
      unknown
    >;
    expect(described).toMatchObject({ redriveCount: 0, redriveStatus: 'REDRIVABLE' });

    const redriven = await stepsaga(['redrive', executionArn]);
    expect(redriven.stderr).toBe('');
    expect(redriven.stdout).toMatch(new RegExp(`^Redriven ${executionArn} at \\S+ \\(redrive 1\\)\\.`));
    // The park Task was the unfinished state: it runs again and sends a new parked message.
    const token = await eventually(
      async () => waitingParkToken(await historyOf(local.cloud, executionArn)),
      30_000,
      'the park after the redrive',
    );
    expect(token).toBeDefined();
    const running = (await local.cloud.stepFunctions.call('DescribeExecution', { executionArn })) as Record<
      string,
      unknown
    >;
    expect(running).toMatchObject({
      status: 'RUNNING',
      redriveCount: 1,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is RUNNING and cannot be redriven.',
    });
    expect(running.redriveDate).toEqual(expect.any(Number));

    refundFault.remove();
    expect((await stepsaga(['parked', 'retry', 'redrive-1'])).code).toBe(0);
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.error).toBe('SagaCompensated');
    expect(await balance('redrive-1')).toBe(10_000);
    expect(await stock('redrive-1')).toBe(10);

    const events = await historyOf(local.cloud, executionArn);
    const types = events.map((e) => e.type);
    expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
    expect(types.indexOf('ExecutionRedriven')).toBe(types.indexOf('ExecutionAborted') + 1);
    expect(events.find((e) => e.type === 'ExecutionRedriven')?.executionRedrivenEventDetails).toEqual({
      redriveCount: 1,
    });
    const afterRedrive = events.slice(types.indexOf('ExecutionRedriven'));
    expect(entered(afterRedrive)).toEqual([
      'Park Compensate ChargePayment',
      'Decide Compensate ChargePayment',
      'Compensate ChargePayment',
      'Compensate ReserveInventory',
      'Publish SagaCompensated',
      'SagaCompensated',
    ]);
    // Reserve, charge and ship ran once, before the redrive; after it only the two compensations.
    expect(afterRedrive.filter((e) => e.type === 'LambdaFunctionScheduled')).toHaveLength(2);
    expect(scheduledBefore).toBeGreaterThan(3);
    // Parked messages from both runs were removed by the decision.
    expect((await stepsaga(['parked', 'list'])).stdout).not.toContain('redrive-1');
  });

  it('refuses a succeeded execution with ExecutionNotRedrivable', async () => {
    await seed('redrive-ok-1');
    const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
      stateMachineArn: byPath('stateMachine', 'PlaceOrder/').arn,
      name: 'redrive-ok-1',
      input: JSON.stringify({
        orderId: 'redrive-ok-1',
        customerId: 'redrive-ok-1',
        sku: 'redrive-ok-1',
        quantity: 1,
        amount: 100,
      }),
    })) as { executionArn: string };
    expect((await waitForExecution(local.cloud, executionArn)).status).toBe('SUCCEEDED');
    const described = (await local.cloud.stepFunctions.call('DescribeExecution', { executionArn })) as Record<
      string,
      unknown
    >;
    expect(described).toMatchObject({
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven.',
    });
    const refused = await stepsaga(['redrive', executionArn]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(
      'stepsaga: ExecutionNotRedrivable: Execution is not redrivable: Execution is SUCCEEDED and cannot be redriven.',
    );
  });
});
