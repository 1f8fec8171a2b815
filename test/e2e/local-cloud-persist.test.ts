import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../infra/local/faults/fault-plan.js';
import {
  type CampaignSnapshot,
  checkInvariants,
  type ExecutionOutcome,
  type RunSetup,
} from '../campaign/invariants.js';
import { scanTable } from '../campaign/snapshot.js';

/**
 * `stepsaga local up --persist <dir>` killed with SIGKILL while PlaceOrder sagas are in flight, then
 * started again on the same folder: every saga finishes, and the campaign's invariants hold over
 * the tables and the event paths (stock and money conserved, each barrier applied once, every
 * outbox event delivered to the inbox and applied once). Queue messages survive, including one
 * that was received and not deleted, which comes back after its visibility timeout.
 */

const dir = mkdtempSync(join(tmpdir(), 'stepsaga-persist-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly endpoint: string;
  output(): string;
}

function localUp(env: Record<string, string> = {}): { child: ChildProcess; ready: Promise<Started> } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'infra/local/cli/main.ts',
      'local',
      'up',
      '--app',
      'infra/app.ts',
      '--port',
      '0',
      '--persist',
      dir,
      '--no-schedules',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  children.push(child);
  let output = '';
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const ready = new Promise<Started>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /Endpoint: (http:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve({ child, endpoint: match[1], output: () => output });
    });
    child.once('exit', (code) => reject(new Error(`local up exited with ${code}:\n${output}`)));
  });
  return { child, ready };
}

function clients(endpoint: string) {
  const config = { endpoint, region: 'us-east-1', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } };
  return { dynamodb: new DynamoDBClient(config), sqs: new SQSClient(config), sfn: new SFNClient(config) };
}

const PLACE_ORDER = 'arn:aws:states:us-east-1:000000000000:stateMachine:PlaceOrder';
const PAYMENT = 'StepsagaExample/Payment/Function/Resource';
const SHIPPING = 'StepsagaExample/Shipping/Function/Resource';
const INVENTORY = 'StepsagaExample/Inventory/Function/Resource';

const setup: RunSetup = {
  stock: { 'persist-W': 20 },
  balances: { 'persist-alice': 100_000, 'persist-bob': 50 },
  debitAccounts: {},
  creditAccounts: {},
  holds: [],
  transfers: [],
  trips: [],
  orders: [
    // Ends before the crash.
    { sagaId: 'persist-done', sku: 'persist-W', customerId: 'persist-alice', quantity: 1, amount: 100 },
    // In flight in ChargePayment (before the pivot) at the crash.
    { sagaId: 'persist-charge', sku: 'persist-W', customerId: 'persist-alice', quantity: 2, amount: 200 },
    // In flight in ShipOrder (after the pivot).
    { sagaId: 'persist-ship', sku: 'persist-W', customerId: 'persist-alice', quantity: 3, amount: 300 },
    // Payment refused, in flight compensating ReserveInventory.
    { sagaId: 'persist-undo', sku: 'persist-W', customerId: 'persist-bob', quantity: 4, amount: 9_999 },
  ],
};

/**
 * Each in-flight saga's step hangs on every attempt (each times out after the task's 15 s and is
 * retried) until the crash; the restarted cloud has no faults, so the step runs again and finishes.
 */
const HANG = 600_000;
const faults: FaultPlan = {
  rules: [
    {
      kind: 'delay',
      ms: HANG,
      times: 'always',
      function: PAYMENT,
      sagaId: 'persist-charge',
      step: 'ChargePayment',
    },
    {
      kind: 'delay',
      ms: HANG,
      times: 'always',
      function: SHIPPING,
      sagaId: 'persist-ship',
      step: 'ShipOrder',
    },
    {
      kind: 'delay',
      ms: HANG,
      times: 'always',
      function: INVENTORY,
      sagaId: 'persist-undo',
      step: 'ReserveInventory',
      phase: 'compensation',
    },
  ],
};
const hungIn: Record<string, string> = {
  'persist-charge': 'ChargePayment',
  'persist-ship': 'ShipOrder',
  'persist-undo': 'Compensate ReserveInventory',
};

async function nameOf(list: () => Promise<string[]>, prefix: string): Promise<string> {
  const found = (await list()).filter((n) => n.split('/').pop()?.startsWith(prefix));
  if (found.length !== 1 || !found[0]) throw new Error(`expected one ${prefix}, found ${found.join(', ')}`);
  return found[0];
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const enteredStates = async (sfn: SFNClient, executionArn: string) =>
  ((await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [])
    .filter((e) => e.type?.endsWith('StateEntered'))
    .map((e) => e.stateEnteredEventDetails?.name ?? '');

describe('local up --persist across kill -9', () => {
  it('finishes every in-flight saga after a restart with the invariants intact and queue messages kept', async () => {
    const first = await localUp({ STEPSAGA_FAULTS: JSON.stringify(faults) }).ready;
    expect(first.output()).toContain(`State: persisting to ${dir}`);
    const before = clients(first.endpoint);
    const listTables = async () => (await before.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
    const listQueues = async () => (await before.sqs.send(new ListQueuesCommand({}))).QueueUrls ?? [];
    const tableOf = (participant: string) => nameOf(listTables, `StepsagaExample-${participant}`);
    const queueOf = async (prefix: string) =>
      (await nameOf(listQueues, `StepsagaExample-${prefix}`)).split('/').pop() ?? '';
    const names = {
      Inventory: await tableOf('InventoryTable'),
      Payment: await tableOf('PaymentTable'),
      Shipping: await tableOf('ShippingTable'),
      orderHistory: await tableOf('OrderHistoryTable'),
      outcomeLog: await tableOf('OutcomeLogTable'),
      notificationStatus: await tableOf('OrderOutcomesStatusTable'),
      parked: await queueOf('PlaceOrderParkedQueue'),
      deadLetters: [
        await queueOf('OrderEventsDeadLetterQueue'),
        await queueOf('OrderOutcomesDeadLetterQueue'),
        await queueOf('EventsFromInventoryFailureQueue'),
        await queueOf('EventsFromPaymentFailureQueue'),
        await queueOf('EventsFromShippingFailureQueue'),
      ],
    };
    for (const [sku, available] of Object.entries(setup.stock))
      await before.dynamodb.send(
        new PutItemCommand({
          TableName: names.Inventory,
          Item: marshall({ pk: `SKU#${sku}`, sk: 'STOCK', available }),
        }),
      );
    for (const [customer, balance] of Object.entries(setup.balances))
      await before.dynamodb.send(
        new PutItemCommand({
          TableName: names.Payment,
          Item: marshall({ pk: `ACCOUNT#${customer}`, sk: 'BALANCE', balance }),
        }),
      );
    const arns: Record<string, string> = {};
    for (const o of setup.orders) {
      const started = await before.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: PLACE_ORDER,
          name: o.sagaId,
          input: JSON.stringify({
            orderId: o.sagaId,
            customerId: o.customerId,
            sku: o.sku,
            quantity: o.quantity,
            amount: o.amount,
          }),
        }),
      );
      arns[o.sagaId] = started.executionArn ?? '';
    }
    await poll('persist-done to succeed', async () => {
      const d = await before.sfn.send(new DescribeExecutionCommand({ executionArn: arns['persist-done'] }));
      return d.status === 'SUCCEEDED' ? true : undefined;
    });
    for (const [sagaId, state] of Object.entries(hungIn))
      await poll(`${sagaId} to enter ${state}`, async () =>
        (await enteredStates(before.sfn, arns[sagaId] ?? '')).includes(state) ? true : undefined,
      );

    // One message received and not deleted (in flight for 2 s) when the cloud dies, one waiting.
    const parkedUrl = `${first.endpoint}/000000000000/${names.parked}`;
    await before.sqs.send(new SendMessageCommand({ QueueUrl: parkedUrl, MessageBody: 'in-flight' }));
    const received = await before.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: parkedUrl, VisibilityTimeout: 2 }),
    );
    expect(received.Messages?.map((m) => m.Body)).toEqual(['in-flight']);
    await before.sqs.send(new SendMessageCommand({ QueueUrl: parkedUrl, MessageBody: 'waiting' }));
    for (const c of Object.values(before)) c.destroy();

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(existsSync(join(dir, 'local-cloud.lock'))).toBe(true);

    const restarted = await localUp().ready;
    expect(restarted.output()).toMatch(/4 execution\(s\) restored, 3 resumed/);
    // A second cloud on the folder is refused while the first one lives.
    const second = localUp();
    const refusal = second.ready.then(
      () => 'started',
      (error: Error) => error.message,
    );
    const after = clients(restarted.endpoint);
    try {
      const executions: ExecutionOutcome[] = [];
      for (const o of setup.orders) {
        const d = await poll(`${o.sagaId} to end`, async () => {
          const out = await after.sfn.send(new DescribeExecutionCommand({ executionArn: arns[o.sagaId] }));
          return out.status === 'RUNNING' ? undefined : out;
        });
        executions.push({
          workload: 'PlaceOrder',
          sagaId: o.sagaId,
          executionArn: arns[o.sagaId] ?? '',
          status: d.status ?? '',
          ...(d.error ? { error: d.error } : {}),
        });
      }
      expect(
        Object.fromEntries(executions.map((e) => [e.sagaId, `${e.status} ${e.error ?? ''}`.trim()])),
      ).toEqual({
        'persist-done': 'SUCCEEDED',
        'persist-charge': 'SUCCEEDED',
        'persist-ship': 'SUCCEEDED',
        'persist-undo': 'FAILED SagaCompensated',
      });
      // The hung step ran again after the restart, from the state it was in.
      const charge = await enteredStates(after.sfn, arns['persist-charge'] ?? '');
      expect(charge).toEqual([
        'ReserveInventory',
        'ChargePayment',
        'ChargePayment',
        'ShipOrder',
        'SagaSucceeded',
      ]);

      const restartedUrl = `${restarted.endpoint}/000000000000/${names.parked}`;
      const bodies: string[] = [];
      await poll(
        'both queue messages',
        async () => {
          const got = await after.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: restartedUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
            }),
          );
          bodies.push(...(got.Messages ?? []).map((m) => m.Body ?? ''));
          return bodies.length >= 2 ? true : undefined;
        },
        30_000,
      );
      expect(bodies.sort()).toEqual(['in-flight', 'waiting']);

      const { definition } = await after.sfn.send(
        new DescribeStateMachineCommand({ stateMachineArn: PLACE_ORDER }),
      );
      const publishedOutcomes = Object.keys((JSON.parse(definition ?? '{}') as { States: object }).States)
        .filter((s) => s.startsWith('Publish '))
        .map((s) => s.slice('Publish '.length));
      // The event paths are judged once the inbox has caught up (or the deadline passed).
      let violations: ReturnType<typeof checkInvariants> = [];
      await poll(
        'the invariants to hold',
        async () => {
          const scan = async (table: string) => (await scanTable(after.dynamodb, table)).items;
          const deadLetters: unknown[] = [];
          for (const queue of names.deadLetters) {
            const got = await after.sqs.send(
              new ReceiveMessageCommand({
                QueueUrl: `${restarted.endpoint}/000000000000/${queue}`,
                MaxNumberOfMessages: 10,
                VisibilityTimeout: 0,
              }),
            );
            deadLetters.push(...(got.Messages ?? []).map((m) => JSON.parse(m.Body ?? 'null') as unknown));
          }
          const snapshot: CampaignSnapshot = {
            tables: {
              Inventory: await scan(names.Inventory),
              Payment: await scan(names.Payment),
              Shipping: await scan(names.Shipping),
              // Transfer's, HoldOrder's and BookTrip's participants take no part in these sagas.
              DebitAccounts: [],
              CreditAccounts: [],
              BlobStore: [],
              Hotel: [],
              Flight: [],
              TripPayment: [],
              Itinerary: [],
              Cars: [],
              Bank: [],
            },
            executions,
            parked: [],
            eventPath: {
              orderHistory: await scan(names.orderHistory),
              outcomeLog: await scan(names.outcomeLog),
              notificationStatus: await scan(names.notificationStatus),
              publishedOutcomes,
              deadLetters,
            },
          };
          violations = checkInvariants(snapshot, setup);
          return violations.length === 0 ? true : undefined;
        },
        60_000,
      ).catch(() => undefined);
      expect(violations).toEqual([]);
      expect(await refusal).toContain(`is in use by another local cloud (process ${restarted.child.pid}`);
    } finally {
      for (const c of Object.values(after)) c.destroy();
      restarted.child.kill('SIGINT');
      await new Promise((resolve) => restarted.child.once('exit', resolve));
    }
    // A clean stop unlocks the folder.
    expect(existsSync(join(dir, 'local-cloud.lock'))).toBe(false);
    expect(readFileSync(join(dir, 'stepsaga-local-cloud.json'), 'utf8')).toContain('"format":1');
  }, 600_000);
});
