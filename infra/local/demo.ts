/**
 * `npm start`: the PlaceOrder saga on the local cloud, three ways — it succeeds; it fails at payment
 * and compensates; it meets a transient payment failure and recovers by retry. Everything runs
 * in-process behind the AWS-compatible endpoint, through the same SDK calls a deployed app would see.
 */
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributeValue,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SFNClient } from '@aws-sdk/client-sfn';
import { type HostedCloud, hostLocalCloud } from './cli/host.js';
import { lazyAppFactory } from './cli/load-app.js';
import { runSaga } from './cli/run.js';
import { formatSeconds, formatTable } from './cli/table.js';
import { DEFAULT_GATEWAY_PORT } from './gateway/index.js';
import type { LocalResource, LocalResourceIndex, LocalResourceKind } from './types.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const SKU = 'sku-widget';
const out = (line = '') => process.stdout.write(`${line}\n`);

interface Order {
  readonly orderId: string;
  readonly customerId: string;
  readonly sku: string;
  readonly quantity: number;
  readonly amount: number;
}

/**
 * The example's resource of a kind under a construct id. Construct paths are absent when the app
 * is synthesized without metadata, so logical ids (which start with the construct id) decide too.
 */
function findResource(
  resources: LocalResourceIndex,
  kind: LocalResourceKind,
  construct: string,
): LocalResource {
  const matches = resources
    .list(kind)
    .filter(
      (r) => r.name === construct || r.logicalId.startsWith(construct) || r.path?.includes(`/${construct}/`),
    );
  const [only] = matches;
  if (!only || matches.length > 1) {
    throw new Error(
      `The example app should have exactly one ${kind} for "${construct}", found ${matches.length}: ` +
        `${matches.map((r) => r.logicalId).join(', ') || 'none'}. Has infra/app.ts changed?`,
    );
  }
  return only;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function main(): Promise<number> {
  const began = Date.now();
  out(
    'stepsaga demo: the PlaceOrder saga (ReserveInventory -> ChargePayment -> ShipOrder) on the local cloud',
  );
  out();
  const port = (await portIsFree(DEFAULT_GATEWAY_PORT)) ? DEFAULT_GATEWAY_PORT : 0;
  out(
    'Starting the local cloud: synthesizing infra/app.ts, DynamoDB Local, SQS emulator, state machine, functions ...',
  );
  let hosted: HostedCloud | undefined;
  const onSignal = () => {
    out('\nInterrupted: stopping the local cloud ...');
    void (hosted?.stop() ?? Promise.resolve()).then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    hosted = await hostLocalCloud({
      app: lazyAppFactory(join(root, 'infra', 'app.ts')),
      synthCache: { name: 'infra/app.ts', projectRoot: root },
      port,
    });
    const { cloud, gateway } = hosted;
    out(`Ready in ${formatSeconds(Date.now() - began)} at ${gateway.endpoint} (region ${cloud.region}).`);

    const clientConfig = { endpoint: gateway.endpoint, region: cloud.region, credentials };
    const dynamo = new DynamoDBClient(clientConfig);
    const sfn = new SFNClient(clientConfig);
    const tables = {
      inventory: findResource(cloud.resources, 'table', 'Inventory').name,
      payment: findResource(cloud.resources, 'table', 'Payment').name,
      shipping: findResource(cloud.resources, 'table', 'Shipping').name,
    };
    const paymentFunction = findResource(cloud.resources, 'function', 'Payment').name;
    const stateMachine = findResource(cloud.resources, 'stateMachine', 'PlaceOrder').arn;

    const put = (table: string, item: Record<string, AttributeValue>) =>
      dynamo.send(new PutItemCommand({ TableName: table, Item: item }));
    const get = async (table: string, pk: string, sk: string) =>
      (
        await dynamo.send(
          new GetItemCommand({
            TableName: table,
            Key: { pk: { S: pk }, sk: { S: sk } },
            ConsistentRead: true,
          }),
        )
      ).Item;

    out();
    out('Seeding: 10 x sku-widget in stock; alice has $100.00, bob has $5.00.');
    await put(tables.inventory, { pk: { S: `SKU#${SKU}` }, sk: { S: 'STOCK' }, available: { N: '10' } });
    await put(tables.payment, { pk: { S: 'ACCOUNT#alice' }, sk: { S: 'BALANCE' }, balance: { N: '10000' } });
    await put(tables.payment, { pk: { S: 'ACCOUNT#bob' }, sk: { S: 'BALANCE' }, balance: { N: '500' } });

    const orders: Order[] = [];
    const state = async () => {
      const stock = (await get(tables.inventory, `SKU#${SKU}`, 'STOCK'))?.available?.N ?? '-';
      const alice = (await get(tables.payment, 'ACCOUNT#alice', 'BALANCE'))?.balance?.N ?? '-';
      const bob = (await get(tables.payment, 'ACCOUNT#bob', 'BALANCE'))?.balance?.N ?? '-';
      const shipped: string[] = [];
      for (const order of orders) {
        const shipment = await get(tables.shipping, `ORDER#${order.orderId}`, 'SHIPMENT');
        if (shipment) shipped.push(`${order.orderId} (${shipment.shipmentId?.S ?? '?'})`);
      }
      return { stock, alice, bob, shipped };
    };
    const cents = (n: string) => (n === '-' ? n : `$${(Number(n) / 100).toFixed(2)}`);
    const printState = async () => {
      const s = await state();
      out(
        `  state: stock ${s.stock} | alice ${cents(s.alice)} | bob ${cents(s.bob)} | shipments: ${s.shipped.join(', ') || 'none'}`,
      );
    };

    type TableState = Awaited<ReturnType<typeof state>>;
    interface Scenario {
      readonly title: string;
      readonly order: Order;
      readonly expect: 'SUCCEEDED' | 'FAILED';
      readonly before?: () => void;
      /** What the run must have done to the tables; returns the problem, if any. */
      readonly check: (before: TableState, after: TableState) => string | undefined;
    }
    const scenarios: Scenario[] = [
      {
        title: '1. alice orders 2 widgets for $25.00: every step succeeds',
        order: { orderId: 'order-1001', customerId: 'alice', sku: SKU, quantity: 2, amount: 2500 },
        expect: 'SUCCEEDED',
        check: (b, a) =>
          Number(a.stock) === Number(b.stock) - 2 &&
          Number(a.alice) === Number(b.alice) - 2500 &&
          a.shipped.length === 1
            ? undefined
            : 'expected 2 fewer in stock, $25.00 charged and one shipment',
      },
      {
        title:
          '2. bob orders 1 widget for $50.00 with $5.00 on his account: payment fails, the reservation is released',
        order: { orderId: 'order-1002', customerId: 'bob', sku: SKU, quantity: 1, amount: 5000 },
        expect: 'FAILED',
        check: (b, a) =>
          a.stock === b.stock && a.bob === b.bob && a.shipped.length === b.shipped.length
            ? undefined
            : 'expected the stock restored, bob not charged and no shipment',
      },
      {
        title:
          '3. alice orders 1 widget for $12.00 while Payment has a transient fault: the charge is retried',
        order: { orderId: 'order-1003', customerId: 'alice', sku: SKU, quantity: 1, amount: 1200 },
        expect: 'SUCCEEDED',
        before: () =>
          cloud.faults.failNext(paymentFunction, {
            errorType: 'SagaTransientError',
            errorMessage: 'Injected: the payment provider timed out',
            times: 1,
          }),
        check: (b, a) =>
          Number(a.stock) === Number(b.stock) - 1 &&
          Number(a.alice) === Number(b.alice) - 1200 &&
          a.shipped.length === 2
            ? undefined
            : 'expected 1 fewer in stock, $12.00 charged once and a second shipment',
      },
    ];

    const summary: string[][] = [];
    for (const scenario of scenarios) {
      out();
      out(scenario.title);
      scenario.before?.();
      const before = await state();
      orders.push(scenario.order);
      const runStart = Date.now();
      const { outcome } = await runSaga(
        sfn,
        { saga: stateMachine, input: JSON.stringify(scenario.order), name: scenario.order.orderId },
        (line) => out(line.startsWith(' ') ? line : `  ${line}`),
      );
      const took = Date.now() - runStart;
      out(`  run took ${formatSeconds(took)}`);
      await printState();
      const problem = scenario.check(before, await state());
      if (problem) out(`  UNEXPECTED: ${problem}`);
      summary.push([
        scenario.order.orderId,
        outcome.status,
        scenario.expect,
        problem ? 'NO' : 'yes',
        formatSeconds(took),
      ]);
    }

    const final = await state();
    out();
    out('Final state');
    out(
      formatTable(
        ['ITEM', 'VALUE'],
        [
          [`Inventory SKU#${SKU} STOCK available`, final.stock],
          ['Payment ACCOUNT#alice BALANCE balance', `${final.alice} (${cents(final.alice)})`],
          ['Payment ACCOUNT#bob BALANCE balance', `${final.bob} (${cents(final.bob)})`],
          ['Shipping ORDER#<orderId> SHIPMENT', final.shipped.join(', ') || 'none'],
        ],
      ),
    );
    out();
    out(formatTable(['ORDER', 'OUTCOME', 'EXPECTED', 'STATE AS EXPECTED', 'TIME'], summary));
    dynamo.destroy();
    sfn.destroy();
    const allAsExpected = summary.every(([, got, want, stateOk]) => got === want && stateOk === 'yes');
    out();
    out(
      `${allAsExpected ? 'All three runs ended as expected' : 'Some runs did NOT end as expected'}; total ${formatSeconds(Date.now() - began)}.`,
    );
    return allAsExpected ? 0 : 1;
  } finally {
    out('Stopping the local cloud ...');
    await hosted?.stop();
    out('Stopped.');
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
