/**
 * Local cloud benchmark: `local up` start-up time (synth cache cold and warm), DynamoDB Local's own
 * TransactWriteItems rate, PlaceOrder throughput and latency through the gateway at the same
 * concurrencies, the limit the raw rate sets (a PlaceOrder commits 3 participant transactions, so
 * raw / 3) and the ratio to it, and memory.
 *
 *   npx tsx bench/local-cloud.ts [executionsPerLevel] [--skip-startup]   # default 128; <= 60 s per level
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { hostLocalCloud } from '../infra/local/cli/host.js';
import { lazyAppFactory } from '../infra/local/cli/load-app.js';
import { formatTable } from '../infra/local/cli/table.js';
import { StepFunctionsService } from '../infra/local/stepfunctions/stepfunctions-service.js';

const args = process.argv.slice(2);
const perLevel = Number(args.find((a) => /^\d+$/.test(a)) ?? 128);
const skipStartup = args.includes('--skip-startup');
const LEVELS = [1, 16, 64];
const LEVEL_BUDGET_MS = 60_000;
const RAW_TABLE = 'stepsaga-bench-raw';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** Resident memory (MiB) of this process and of its child processes (DynamoDB Local's JVM). */
function rssMiB(): { node: number; children: number } {
  const kib = (pid: string) =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  let children = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid) children += kib(pid);
    } catch {
      // The process ended while being read.
    }
  }
  return { node: process.memoryUsage().rss / 2 ** 20, children: children / 1024 };
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface LevelResult {
  readonly done: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

/** Runs `total` tasks with at most `concurrency` in flight; stops starting new ones past the budget. */
async function pool(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<LevelResult> {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = Date.now() + LEVEL_BUDGET_MS;
  const worker = async () => {
    while (next < total && Date.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      await task(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    done: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

interface StartupRun {
  /** Wall clock from spawning the CLI until it printed "Ready". */
  readonly wallMs: number;
  /** How long the CLI spent synthesizing (or reading the synth cache). */
  readonly synthMs: number | undefined;
}

/**
 * Times `stepsaga local up` as a user runs it: a new Node process, from spawn until "Ready in" is
 * printed; then stops it with SIGINT, as Ctrl-C would.
 */
async function timeLocalUp(extra: string[]): Promise<StartupRun> {
  const began = performance.now();
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
      '--verbose',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  let synthMs: number | undefined;
  let readyAt: number | undefined;
  const ready = new Promise<number>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const synth = /synth took (\d+) ms/.exec(output);
      if (synth) synthMs = Number(synth[1]);
      if (readyAt === undefined && /^Ready in /m.test(output)) readyAt = performance.now() - began;
      // The CLI handles Ctrl-C only from this line on; a SIGINT before it would kill the process
      // outright and leave DynamoDB Local's JVM running.
      if (readyAt !== undefined && /^Press Ctrl-C to stop/m.test(output)) {
        setTimeout(() => resolve(readyAt as number), 200);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) =>
      reject(
        new Error(`"stepsaga local up" exited with ${code} before it was ready:\n${output.slice(-2000)}`),
      ),
    );
  });
  try {
    const wallMs = await ready;
    return { wallMs, synthMs };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
  }
}

async function main(): Promise<void> {
  const startupRows: string[][] = [];
  if (!skipStartup) {
    const cold = await timeLocalUp(['--no-cache']);
    // The first cached run fills the cache if the sources changed since the last one; the second hits it.
    await timeLocalUp([]);
    const warm = await timeLocalUp([]);
    const synth = (run: StartupRun) => (run.synthMs === undefined ? '?' : `${run.synthMs} ms`);
    startupRows.push(
      [
        '`local up` to ready, synth cache cold (--no-cache)',
        `${(cold.wallMs / 1000).toFixed(2)} s (synth ${synth(cold)})`,
      ],
      [
        '`local up` to ready, synth cache warm (target <= 5 s)',
        `${(warm.wallMs / 1000).toFixed(2)} s (synth ${synth(warm)})`,
      ],
    );
  }

  // Quiet means no function ran and no poller reported for a second: the event path has drained.
  let lastActivity = Date.now();
  const began = Date.now();
  const hosted = await hostLocalCloud({
    app: lazyAppFactory('infra/app.ts'),
    synthCache: { name: 'infra/app.ts' },
    port: 0,
    onLog: (line) => {
      if (line.source === 'lambda' || line.source === 'event-source') lastActivity = Date.now();
    },
  });
  const readyMs = Date.now() - began;
  const settle = async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() - lastActivity < 1_000 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const { cloud, gateway } = hosted;
  try {
    if (!(cloud.stepFunctions instanceof StepFunctionsService))
      throw new Error('the local cloud does not expose its Step Functions service');
    const stepFunctions = cloud.stepFunctions;
    const byPrefix = (kind: 'table' | 'stateMachine', prefix: string) => {
      const found = cloud.resources.list(kind).find((r) => r.logicalId.startsWith(prefix));
      if (!found) throw new Error(`the example app has no ${kind} ${prefix}*`);
      return found;
    };
    const config = { endpoint: gateway.endpoint, region: cloud.region, credentials };
    const db = new DynamoDBClient(config);
    const sfn = new SFNClient(config);
    const stateMachineArn = byPrefix('stateMachine', 'PlaceOrder').arn;
    const inventory = byPrefix('table', 'Inventory').name;
    const payment = byPrefix('table', 'Payment').name;
    await db.send(
      new PutItemCommand({
        TableName: inventory,
        Item: { pk: { S: 'SKU#bench' }, sk: { S: 'STOCK' }, available: { N: '1000000000' } },
      }),
    );
    await db.send(
      new PutItemCommand({
        TableName: payment,
        Item: { pk: { S: 'ACCOUNT#bench' }, sk: { S: 'BALANCE' }, balance: { N: '1000000000' } },
      }),
    );

    // DynamoDB Local alone, straight to it, on a table shaped like a participant's (same keys, a
    // stream) that no poller reads: the transaction a participant commits, nothing else running.
    const raw = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.region, credentials });
    const shape = (await raw.send(new DescribeTableCommand({ TableName: inventory }))).Table;
    await raw.send(
      new CreateTableCommand({
        TableName: RAW_TABLE,
        KeySchema: shape?.KeySchema,
        AttributeDefinitions: shape?.AttributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
        ...(shape?.StreamSpecification ? { StreamSpecification: shape.StreamSpecification } : {}),
      }),
    );
    await raw.send(
      new PutItemCommand({
        TableName: RAW_TABLE,
        Item: { pk: { S: 'SKU#bench' }, sk: { S: 'STOCK' }, available: { N: '1000000000' } },
      }),
    );
    const rawTransaction = (id: string) =>
      raw.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: RAW_TABLE,
                Key: { pk: { S: 'SKU#bench' }, sk: { S: 'STOCK' } },
                UpdateExpression: 'SET available = available - :q',
                ConditionExpression: 'available >= :q',
                ExpressionAttributeValues: { ':q': { N: '1' } },
              },
            },
            {
              Put: {
                TableName: RAW_TABLE,
                Item: { pk: { S: `BARRIER#${id}` }, sk: { S: 'Step#action' } },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            { Put: { TableName: RAW_TABLE, Item: { pk: { S: `OUTBOX#${id}` }, sk: { S: 'OUTBOX' } } } },
          ],
        }),
      );

    const placeOrder = async (id: string): Promise<string | undefined> => {
      const input = { orderId: id, customerId: 'bench', sku: 'bench', quantity: 1, amount: 1 };
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: id, input: JSON.stringify(input) }),
      );
      if (!executionArn) throw new Error('StartExecution returned no executionArn');
      // Waiting in-process instead of polling DescribeExecution keeps the client's own requests from
      // competing with the cloud for the two cores; the outcome is still read through the gateway.
      await stepFunctions.whenFinished(executionArn);
      return (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
    };

    // Warm-up, not measured: JIT in DynamoDB Local, Lambda workers (cold starts take seconds on a busy machine).
    await pool(64, 8, (i) => rawTransaction(`warm-${i}`).then(() => undefined));
    await pool(16, 16, async (i) => {
      await placeOrder(`warm-${i}`);
    });
    await settle();

    const rawRates = new Map<number, LevelResult>();
    for (const concurrency of LEVELS) {
      rawRates.set(
        concurrency,
        await pool(perLevel * 3, concurrency, (i) =>
          rawTransaction(`raw-${concurrency}-${i}`).then(() => undefined),
        ),
      );
    }
    raw.destroy();

    let failures = 0;
    const placeOrderRates = new Map<number, LevelResult>();
    for (const concurrency of LEVELS) {
      await settle();
      placeOrderRates.set(
        concurrency,
        await pool(Math.max(perLevel, concurrency), concurrency, async (i) => {
          if ((await placeOrder(`bench-${concurrency}-${i}`)) !== 'SUCCEEDED') failures += 1;
        }),
      );
    }
    db.destroy();
    sfn.destroy();

    const memory = rssMiB();
    const ms = (value: number) => `${value.toFixed(1)} ms`;
    const rows: string[][] = [];
    for (const concurrency of LEVELS) {
      const order = placeOrderRates.get(concurrency) as LevelResult;
      const tx = rawRates.get(concurrency) as LevelResult;
      const limit = tx.perSecond / 3;
      rows.push([
        String(concurrency),
        `${tx.perSecond.toFixed(1)} /s (p50 ${ms(tx.p50)})`,
        `${limit.toFixed(1)} /s`,
        `${order.perSecond.toFixed(1)} /s`,
        `${((100 * order.perSecond) / limit).toFixed(0)} %`,
        ms(order.p50),
        ms(order.p99),
        String(order.done),
      ]);
    }
    console.log(
      `Local cloud with the example app (PlaceOrder: 3 participants, each step 1 TransactWriteItems); load average ${loadAverage()}\n`,
    );
    console.log(
      formatTable(
        ['measure', 'value'],
        [
          ...startupRows,
          ['in-process start to ready (this run; synth cache as found)', `${(readyMs / 1000).toFixed(2)} s`],
          ['RSS, node (cloud, workers, gateway, this client)', `${memory.node.toFixed(0)} MiB`],
          ['RSS, child processes (DynamoDB Local JVM)', `${memory.children.toFixed(0)} MiB`],
          ['executions not SUCCEEDED', String(failures)],
        ],
      ),
    );
    console.log();
    console.log(
      formatTable(
        [
          'concurrency',
          'raw TransactWriteItems (3 items)',
          'limit = raw / 3',
          'PlaceOrder',
          'PlaceOrder / limit (target >= 70 %)',
          'PlaceOrder p50',
          'PlaceOrder p99',
          'PlaceOrders',
        ],
        rows,
      ),
    );
  } finally {
    await hosted.stop();
  }
}

await main();
