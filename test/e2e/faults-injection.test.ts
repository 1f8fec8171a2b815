import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import type { FaultRule } from '../../infra/local/faults/fault-plan.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, eventually, getItem, historyOf } from '../support/local-cloud.js';

const local = useLocalCloud(() => buildExampleApp().app, {
  retryIntervalDivisor: 50,
  synthCache: { name: 'infra/app.ts' },
  // Any plan, even empty, puts the DynamoDB fault proxy between the functions and DynamoDB Local.
  faults: {},
});

const byPath = (kind: 'table' | 'function' | 'queue', prefix: string) => {
  const found = local.cloud.resources
    .list(kind)
    .filter((r) => r.path?.startsWith(`StepsagaExample/${prefix}/`));
  if (found.length !== 1 || !found[0])
    throw new Error(`expected one ${kind} under ${prefix}, found ${found.length}`);
  return found[0];
};
const table = (participant: string) => byPath('table', `${participant}/Table`).name;
const fn = (participant: string) => byPath('function', `${participant}/Function`).name;
const dynamodb = () => engineClients(local.cloud).dynamodb;
const sqs = () => engineClients(local.cloud).sqs;

const stock = async (sku: string) =>
  Number((await getItem(dynamodb(), table('Inventory'), `SKU#${sku}`, 'STOCK'))?.available?.N);
const balance = async (customer: string) =>
  Number((await getItem(dynamodb(), table('Payment'), `ACCOUNT#${customer}`, 'BALANCE'))?.balance?.N);
const barrier = async (participant: string, sagaId: string, sk: string) =>
  (await getItem(dynamodb(), table(participant), `BARRIER#PlaceOrder#${sagaId}`, sk))?.status?.S;

const shipment = async (orderId: string) =>
  getItem(dynamodb(), table('Shipping'), `ORDER#${orderId}`, 'SHIPMENT');

async function parkedMessage(sagaId: string) {
  const parked = byPath('queue', 'PlaceOrder/ParkedQueue').url ?? '';
  return eventually(async () => {
    const out = await sqs().send(new ReceiveMessageCommand({ QueueUrl: parked, MaxNumberOfMessages: 10 }));
    return out.Messages?.map((m) => JSON.parse(m.Body ?? '{}')).find((b) => b.sagaId === sagaId);
  });
}

/** Fresh stock and account per test, so that tests do not depend on each other. */
async function seed(id: string, available = 10, funds = 10_000) {
  await dynamodb().send(
    new PutItemCommand({
      TableName: table('Inventory'),
      Item: marshall({ pk: `SKU#${id}`, sk: 'STOCK', available }),
    }),
  );
  await dynamodb().send(
    new PutItemCommand({
      TableName: table('Payment'),
      Item: marshall({ pk: `ACCOUNT#${id}`, sk: 'BALANCE', balance: funds }),
    }),
  );
}

async function placeOrder(orderId: string, amount = 1_000) {
  const saga = byPath('stateMachine' as 'table', 'PlaceOrder');
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: saga.arn,
    name: orderId,
    input: JSON.stringify({ orderId, customerId: orderId, sku: orderId, quantity: 2, amount }),
  })) as { executionArn: string };
  const started = Date.now();
  const done = await waitForExecution(local.cloud, executionArn, 60_000, { parkedDecision: 'abandon' });
  return { executionArn, done, ms: Date.now() - started };
}

const lambdaFailures = async (executionArn: string) =>
  (await historyOf(local.cloud, executionArn))
    .filter((e) => e.type === 'LambdaFunctionFailed')
    .map((e) => e.lambdaFunctionFailedEventDetails as { error: string; cause: string });

const inject = (rule: FaultRule) => local.cloud.faults.inject(rule);

describe('fault injection on the local cloud', () => {
  it('delivers an action twice at once; the barrier applies it once and both calls answer the first result', async () => {
    await seed('dup-1');
    inject({
      kind: 'duplicate',
      function: fn('Payment'),
      sagaId: 'dup-1',
      phase: 'action',
      concurrent: true,
    });
    const { done } = await placeOrder('dup-1');
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}').results.ChargePayment).toEqual({
      customerId: 'dup-1',
      charged: 1_000,
    });
    expect(await balance('dup-1')).toBe(9_000);
    expect(local.cloud.faults.injected((f) => f.sagaId === 'dup-1').map((f) => f.kind)).toEqual([
      'duplicate',
    ]);
  });

  it('crashes an action after it committed: the caller sees Runtime.ExitError and the saga compensates that step too', async () => {
    await seed('crash-1');
    inject({ kind: 'crash-after-commit', function: fn('Inventory'), sagaId: 'crash-1', phase: 'action' });
    const { done, executionArn } = await placeOrder('crash-1');
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCompensated');
    expect((await lambdaFailures(executionArn)).map((f) => f.error)).toEqual(['Runtime.ExitError']);
    expect(await barrier('Inventory', 'crash-1', 'ReserveInventory#action')).toBe('committed');
    expect(await barrier('Inventory', 'crash-1', 'ReserveInventory#compensation')).toBe('committed');
    expect(await stock('crash-1')).toBe(10);
  });

  it('crashes the pivot after it shipped: the step retries, the barrier answers with the shipment, the order completes', async () => {
    await seed('pivot-crash-1');
    inject({
      kind: 'crash-after-commit',
      function: fn('Shipping'),
      sagaId: 'pivot-crash-1',
      phase: 'action',
    });
    const { done, executionArn } = await placeOrder('pivot-crash-1');
    expect(done.status).toBe('SUCCEEDED');
    expect((await lambdaFailures(executionArn)).map((f) => f.error)).toEqual(['Runtime.ExitError']);
    expect(await shipment('pivot-crash-1')).toBeDefined();
    expect(await stock('pivot-crash-1')).toBe(8);
    expect(await balance('pivot-crash-1')).toBe(9_000);
  });

  it('times the pivot out after it shipped on every attempt: the saga parks, nothing is refunded or restocked', async () => {
    await seed('pivot-timeout-1');
    inject({
      kind: 'timeout',
      function: fn('Shipping'),
      sagaId: 'pivot-timeout-1',
      phase: 'action',
      committed: true,
      waitMs: 50,
      times: 'always',
    });
    const { done, executionArn } = await placeOrder('pivot-timeout-1');
    expect(done.error).toBe('SagaParked');
    // The first attempt and ShipOrder's 3 retries, each answered by the shipment's barrier.
    expect((await lambdaFailures(executionArn)).map((f) => f.error)).toEqual(
      Array(4).fill('Sandbox.Timedout'),
    );
    expect(await shipment('pivot-timeout-1')).toBeDefined();
    // Compensating around a shipped order would give it away: stock and payment stay taken.
    expect(await stock('pivot-timeout-1')).toBe(8);
    expect(await balance('pivot-timeout-1')).toBe(9_000);
    expect(await barrier('Payment', 'pivot-timeout-1', 'ChargePayment#compensation')).toBeUndefined();
    const parked = await parkedMessage('pivot-timeout-1');
    expect(Object.keys(parked.errors)).toEqual(['ShipOrder']);
    expect(parked.errors.ShipOrder.Error).toBe('Sandbox.Timedout');
  });

  it('parks when the pivot shipped, crashed, and its retries then failed transiently: the last error does not clear the first', async () => {
    await seed('pivot-crash-2');
    inject({
      kind: 'crash-after-commit',
      function: fn('Shipping'),
      sagaId: 'pivot-crash-2',
      phase: 'action',
    });
    inject({
      kind: 'error',
      function: fn('Shipping'),
      sagaId: 'pivot-crash-2',
      phase: 'action',
      errorType: 'SagaTransientError',
      times: 3,
    });
    const { done, executionArn } = await placeOrder('pivot-crash-2');
    expect(done.error).toBe('SagaParked');
    expect((await lambdaFailures(executionArn)).map((f) => f.error)).toEqual([
      'Runtime.ExitError',
      'SagaTransientError',
      'SagaTransientError',
      'SagaTransientError',
    ]);
    expect(await shipment('pivot-crash-2')).toBeDefined();
    expect(await stock('pivot-crash-2')).toBe(8);
    expect(await balance('pivot-crash-2')).toBe(9_000);
    expect(Object.keys((await parkedMessage('pivot-crash-2')).errors)).toEqual(['ShipOrder']);
  });

  it('compensates when the pivot refuses with a business error: nothing shipped, payment refunded, stock released', async () => {
    await seed('pivot-refused-1');
    inject({
      kind: 'error',
      function: fn('Shipping'),
      sagaId: 'pivot-refused-1',
      phase: 'action',
      errorType: 'SagaBusinessError',
      times: 'always',
    });
    const { done } = await placeOrder('pivot-refused-1');
    expect(done.error).toBe('SagaCompensated');
    expect(Object.keys(JSON.parse(done.cause ?? '{}'))).toEqual(['ShipOrder']);
    expect(await shipment('pivot-refused-1')).toBeUndefined();
    expect(await stock('pivot-refused-1')).toBe(10);
    expect(await balance('pivot-refused-1')).toBe(10_000);
  });

  it('times an invocation out with Sandbox.Timedout after the wait, the handler never having run', async () => {
    await seed('timeout-1');
    inject({ kind: 'timeout', function: fn('Payment'), sagaId: 'timeout-1', phase: 'action', waitMs: 400 });
    const { done, executionArn, ms } = await placeOrder('timeout-1');
    expect(done.error).toBe('SagaCompensated');
    const [failure] = await lambdaFailures(executionArn);
    expect(failure?.error).toBe('Sandbox.Timedout');
    expect(JSON.parse(failure?.cause ?? '{}').errorMessage).toMatch(/Task timed out after 10\.00 seconds/);
    expect(ms).toBeGreaterThanOrEqual(400);
    expect(await barrier('Payment', 'timeout-1', 'ChargePayment#action')).toBe('blocked');
    expect(await balance('timeout-1')).toBe(10_000);
  });

  it('answers a participant transaction with TransactionConflict once; the runtime reports SagaTransientError and the retry commits', async () => {
    await seed('conflict-1');
    inject({ kind: 'transaction-conflict', table: table('Payment'), sagaId: 'conflict-1' });
    const { done, executionArn } = await placeOrder('conflict-1');
    expect(done.status).toBe('SUCCEEDED');
    const failures = await lambdaFailures(executionArn);
    expect(failures.map((f) => f.error)).toEqual(['SagaTransientError']);
    expect(JSON.parse(failures[0]?.cause ?? '{}').errorMessage).toContain('TransactionConflict');
    expect(await balance('conflict-1')).toBe(9_000);
  });

  it('throttles every transaction of an action: the SDK retries, then the step retries as SagaTransientError, then the saga compensates', async () => {
    await seed('throttle-1');
    const handle = inject({
      kind: 'throttling',
      table: table('Inventory'),
      sagaId: 'throttle-1',
      phase: 'action',
      times: 'always',
    });
    const { done, executionArn } = await placeOrder('throttle-1');
    handle.remove();
    expect(done.error).toBe('SagaCompensated');
    // The first attempt and the step's 3 retries (retryable: SagaTransientError).
    const failures = await lambdaFailures(executionArn);
    expect(failures.map((f) => f.error)).toEqual(Array(4).fill('SagaTransientError'));
    expect(JSON.parse(failures[0]?.cause ?? '{}').errorMessage).toContain('ThrottlingException');
    // Each invocation's client retried the throttle itself before giving up.
    const throttles = local.cloud.faults.injected((f) => f.sagaId === 'throttle-1').length;
    expect(throttles).toBeGreaterThanOrEqual(8);
    expect(throttles % 4).toBe(0);
    expect(await barrier('Inventory', 'throttle-1', 'ReserveInventory#action')).toBe('blocked');
    expect(await stock('throttle-1')).toBe(10);
  });

  it('fails a compensation twice: its retries still undo the step', async () => {
    await seed('comp-retry-1', 10, 500);
    inject({
      kind: 'error',
      function: fn('Inventory'),
      sagaId: 'comp-retry-1',
      phase: 'compensation',
      errorType: 'Lambda.ServiceException',
      times: 2,
    });
    const { done } = await placeOrder('comp-retry-1');
    expect(done.error).toBe('SagaCompensated');
    expect(await stock('comp-retry-1')).toBe(10);
  });

  it('fails a compensation forever: the saga parks with its message in the parked-sagas queue and the stock stays held', async () => {
    await seed('comp-forever-1', 10, 500);
    inject({
      kind: 'error',
      function: fn('Inventory'),
      sagaId: 'comp-forever-1',
      phase: 'compensation',
      errorType: 'SagaTransientError',
      times: 'always',
    });
    const { done } = await placeOrder('comp-forever-1');
    expect(done.error).toBe('SagaParked');
    const message = await parkedMessage('comp-forever-1');
    expect(Object.keys(message.errors)).toEqual(['ChargePayment', 'Compensate ReserveInventory']);
    expect(await stock('comp-forever-1')).toBe(8);
  });

  describe('event paths', () => {
    let orderEventsUrl: string;
    beforeAll(() => {
      orderEventsUrl = byPath('queue', 'OrderEvents').url ?? '';
    });
    const summary = async (orderId: string) => {
      const out = await dynamodb().send(
        new QueryCommand({
          TableName: table('OrderHistory'),
          KeyConditionExpression: 'pk = :pk AND sk = :sk',
          ExpressionAttributeValues: marshall({ ':pk': `ORDER#${orderId}`, ':sk': 'SUMMARY' }),
          ConsistentRead: true,
        }),
      );
      return out.Items?.[0] ? unmarshall(out.Items[0]) : undefined;
    };
    /** The three events of a successful order applied, and nothing left in flight. */
    const settled = async (orderId: string) => {
      await eventually(async () => ((await summary(orderId))?.eventCount === 3 ? true : undefined), 30_000);
      await eventually(async () => {
        const { Attributes = {} } = await sqs().send(
          new GetQueueAttributesCommand({
            QueueUrl: orderEventsUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        return Object.values(Attributes).every((n) => n === '0') ? true : undefined;
      }, 30_000);
      return summary(orderId);
    };

    it('redelivers order events whose delete was lost; the inbox applies each once', async () => {
      await seed('redeliver-1');
      const before = local.cloud.faults.injectedCounts().redeliver ?? 0;
      const handle = inject({ kind: 'redeliver', queue: byPath('queue', 'OrderEvents').name, times: 3 });
      const { done } = await placeOrder('redeliver-1');
      expect(done.status).toBe('SUCCEEDED');
      expect(await settled('redeliver-1')).toMatchObject({ eventCount: 3, reserved: 2, charged: 1_000 });
      handle.remove();
      expect((local.cloud.faults.injectedCounts().redeliver ?? 0) - before).toBe(3);
    });

    it('crashes a relay mid-batch after it sent half the batch; the stream offers it again and each event is applied once', async () => {
      await seed('relay-crash-1');
      const relay = byPath('function', 'EventsFromInventory').name;
      const before = local.cloud.faults.injectedCounts()['crash-after-commit'] ?? 0;
      inject({ kind: 'crash-after-commit', function: relay, partialBatch: true });
      const { done } = await placeOrder('relay-crash-1');
      expect(done.status).toBe('SUCCEEDED');
      expect(await settled('relay-crash-1')).toMatchObject({ eventCount: 3, reserved: 2 });
      expect((local.cloud.faults.injectedCounts()['crash-after-commit'] ?? 0) - before).toBe(1);
    });
  });
});
