/**
 * Local cloud benchmark: start-up time, PlaceOrder throughput and latency through the gateway at
 * several concurrencies, DynamoDB Local's own TransactWriteItems rate in the same run, and memory.
 *
 *   npx tsx bench/local-cloud.ts [executionsPerLevel]     # default 64; bounded to 60 s per level
 */
import { readdirSync, readFileSync } from 'node:fs';
import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { hostLocalCloud } from '../infra/local/cli/host.js';
import { lazyAppFactory } from '../infra/local/cli/load-app.js';
import { formatTable } from '../infra/local/cli/table.js';

const perLevel = Number(process.argv[2] ?? 64);
const LEVELS = [1, 16, 64];
const LEVEL_BUDGET_MS = 60_000;
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

/** Runs `total` tasks with at most `concurrency` in flight; stops starting new ones past the budget. */
async function pool(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const deadline = Date.now() + LEVEL_BUDGET_MS;
  const worker = async () => {
    while (next < total && Date.now() < deadline) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return next;
}

async function main(): Promise<void> {
  const began = Date.now();
  const hosted = await hostLocalCloud({
    app: lazyAppFactory('infra/app.ts'),
    synthCache: { name: 'infra/app.ts' },
    port: 0,
  });
  const readyMs = Date.now() - began;
  const { cloud, gateway } = hosted;
  try {
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

    const rows: string[][] = [];
    let failures = 0;
    const placeOrder = async (id: string) => {
      const input = { orderId: id, customerId: 'bench', sku: 'bench', quantity: 1, amount: 1 };
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, input: JSON.stringify(input) }),
      );
      for (;;) {
        const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        if (status !== 'RUNNING') return status;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Warm-up, not measured: starts the Lambda workers (cold starts take seconds on a busy machine).
    await pool(8, 8, async (i) => {
      await placeOrder(`warm-${i}`);
    });
    for (const concurrency of LEVELS) {
      const latencies: number[] = [];
      const started = Date.now();
      const done = await pool(Math.max(perLevel, concurrency), concurrency, async (i) => {
        const t0 = performance.now();
        if ((await placeOrder(`bench-${concurrency}-${i}`)) !== 'SUCCEEDED') failures += 1;
        latencies.push(performance.now() - t0);
      });
      const seconds = (Date.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      rows.push([
        `PlaceOrder, concurrency ${concurrency}`,
        String(done),
        `${(done / seconds).toFixed(1)} /s`,
        `${percentile(latencies, 50).toFixed(1)} ms`,
        `${percentile(latencies, 99).toFixed(1)} ms`,
      ]);
    }

    // DynamoDB Local alone, directly: the same three-item transaction a participant commits.
    const raw = new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.region, credentials });
    for (const concurrency of [1, 16]) {
      const latencies: number[] = [];
      const started = Date.now();
      const done = await pool(perLevel * 4, concurrency, async (i) => {
        const t0 = performance.now();
        await raw.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Update: {
                  TableName: inventory,
                  Key: { pk: { S: 'SKU#bench' }, sk: { S: 'STOCK' } },
                  UpdateExpression: 'SET available = available - :q',
                  ConditionExpression: 'available >= :q',
                  ExpressionAttributeValues: { ':q': { N: '1' } },
                },
              },
              {
                Put: {
                  TableName: inventory,
                  Item: { pk: { S: `BARRIER#raw-${concurrency}-${i}` }, sk: { S: 'Step#action' } },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: inventory,
                  Item: { pk: { S: `OUTBOX#raw-${concurrency}-${i}` }, sk: { S: 'OUTBOX' } },
                },
              },
            ],
          }),
        );
        latencies.push(performance.now() - t0);
      });
      const seconds = (Date.now() - started) / 1000;
      latencies.sort((a, b) => a - b);
      rows.push([
        `raw TransactWriteItems (3 items), concurrency ${concurrency}`,
        String(done),
        `${(done / seconds).toFixed(1)} /s`,
        `${percentile(latencies, 50).toFixed(1)} ms`,
        `${percentile(latencies, 99).toFixed(1)} ms`,
      ]);
    }
    raw.destroy();
    db.destroy();
    sfn.destroy();

    const memory = rssMiB();
    console.log(
      `Local cloud with the example app (PlaceOrder: 3 participants, each step 1 TransactWriteItems)\n`,
    );
    console.log(
      formatTable(
        ['measure', 'value'],
        [
          ['start to ready (synth + engines + gateway; target <= 5 s)', `${(readyMs / 1000).toFixed(2)} s`],
          ['  of which startLocalCloud', `${(cloud.startupMs / 1000).toFixed(2)} s`],
          ['RSS, node (cloud, workers, gateway, this client)', `${memory.node.toFixed(0)} MiB`],
          ['RSS, child processes (DynamoDB Local JVM)', `${memory.children.toFixed(0)} MiB`],
          ['executions not SUCCEEDED', String(failures)],
        ],
      ),
    );
    console.log();
    console.log(formatTable(['workload', 'count', 'throughput', 'p50', 'p99'], rows));
  } finally {
    await hosted.stop();
  }
}

await main();
