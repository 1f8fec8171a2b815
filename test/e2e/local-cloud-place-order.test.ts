import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, getItem, historyOf } from '../support/local-cloud.js';

const local = useLocalCloud(() => buildExampleApp().app, {
  retryIntervalDivisor: 50,
  synthCache: { name: 'infra/app.ts' },
});

const table = (participant: string) => local.cloud.resources.find(`${participant}/Table`, 'table').name;

const placeOrder = async (orderId: string, overrides: Record<string, unknown> = {}) => {
  const saga = local.cloud.resources.find('PlaceOrder', 'stateMachine');
  const input = { orderId, customerId: 'alice', sku: 'WIDGET', quantity: 2, amount: 1_000, ...overrides };
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: saga.arn,
    name: orderId,
    input: JSON.stringify(input),
  })) as { executionArn: string };
  return { executionArn, done: await waitForExecution(local.cloud, executionArn) };
};

describe('PlaceOrder saga on the local cloud', () => {
  beforeAll(async () => {
    const { dynamodb } = engineClients(local.cloud);
    await dynamodb.send(
      new PutItemCommand({
        TableName: table('Inventory'),
        Item: { pk: { S: 'SKU#WIDGET' }, sk: { S: 'STOCK' }, available: { N: '10' } },
      }),
    );
    for (const [customer, balance] of [
      ['alice', '100000'],
      ['bob', '500'],
    ] as const) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: table('Payment'),
          Item: { pk: { S: `ACCOUNT#${customer}` }, sk: { S: 'BALANCE' }, balance: { N: balance } },
        }),
      );
    }
  });

  const stock = async () =>
    (await getItem(engineClients(local.cloud).dynamodb, table('Inventory'), 'SKU#WIDGET', 'STOCK'))?.available
      ?.N;
  const balance = async (customer: string) =>
    (await getItem(engineClients(local.cloud).dynamodb, table('Payment'), `ACCOUNT#${customer}`, 'BALANCE'))
      ?.balance?.N;

  it('places an order: stock reserved, card charged, barriers written, N+1 state transitions', async () => {
    console.log(`time-to-ready (example app): ${local.cloud.startupMs} ms`);
    const { executionArn, done } = await placeOrder('order-ok-1');
    expect(done.status).toBe('SUCCEEDED');
    expect(await stock()).toBe('8');
    expect(await balance('alice')).toBe('99000');
    const barrier = await getItem(
      engineClients(local.cloud).dynamodb,
      table('Shipping'),
      'BARRIER#PlaceOrder#order-ok-1',
      'ShipOrder#action',
    );
    expect(barrier?.status).toEqual({ S: 'committed' });
    const entered = (await historyOf(local.cloud, executionArn)).filter((e) =>
      e.type.endsWith('StateEntered'),
    );
    expect(entered.map((e) => (e.stateEnteredEventDetails as { name: string }).name)).toEqual([
      'ReserveInventory',
      'ChargePayment',
      'ShipOrder',
      'SagaSucceeded',
    ]);
  });

  it('compensates when payment is refused: stock restored, execution fails with SagaCompensated', async () => {
    const before = await stock();
    const { executionArn, done } = await placeOrder('order-poor-1', { customerId: 'bob', amount: 9_999 });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCompensated');
    // The cause is the JSON of the caught errors, exactly as Step Functions' States.JsonToString
    // writes it: parseable, and the Lambda error cause inside is itself parseable JSON.
    const caught = JSON.parse(done.cause ?? '') as Record<string, { Error: string; Cause: string }>;
    expect(Object.keys(caught)).toEqual(['ChargePayment']);
    expect(caught['ChargePayment']?.Error).toBe('SagaBusinessError');
    expect(JSON.parse(caught['ChargePayment']?.Cause ?? '')).toMatchObject({
      errorType: 'SagaBusinessError',
      errorMessage: expect.stringContaining('Insufficient funds'),
    });
    expect(await stock()).toBe(before);
    expect(await balance('bob')).toBe('500');
    const names = (await historyOf(local.cloud, executionArn))
      .filter((e) => e.type === 'TaskStateEntered')
      .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
    expect(names).toEqual([
      'ReserveInventory',
      'ChargePayment',
      'Compensate ChargePayment',
      'Compensate ReserveInventory',
      'Publish SagaCompensated',
    ]);
  });

  it('retries a transient payment failure and completes the order', async () => {
    local.cloud.faults.failNext('Payment', {
      errorType: 'SagaTransientError',
      errorMessage: 'throttled',
      times: 1,
    });
    const { executionArn, done } = await placeOrder('order-transient-1');
    expect(done.status).toBe('SUCCEEDED');
    const failures = (await historyOf(local.cloud, executionArn)).filter(
      (e) => e.type === 'LambdaFunctionFailed',
    );
    expect(failures.map((e) => (e.lambdaFunctionFailedEventDetails as { error: string }).error)).toEqual([
      'SagaTransientError',
    ]);
    expect(await balance('alice')).toBe('98000');
  });

  it('refuses a second start of a finished saga id with ExecutionAlreadyExists', async () => {
    const saga = local.cloud.resources.find('PlaceOrder', 'stateMachine');
    await expect(
      local.cloud.stepFunctions.call('StartExecution', {
        stateMachineArn: saga.arn,
        name: 'order-ok-1',
        input: JSON.stringify({
          orderId: 'order-ok-1',
          customerId: 'alice',
          sku: 'WIDGET',
          quantity: 2,
          amount: 1_000,
        }),
      }),
    ).rejects.toMatchObject({ code: 'ExecutionAlreadyExists' });
    expect(await stock()).toBe('6');
  });
});
