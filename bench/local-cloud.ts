/**
 * Local cloud speed, this working tree against a baseline commit, measured side by side in one run:
 * cold `local up` (--no-cache), warm `local up`, PlaceOrder throughput at concurrency 16 against the
 * limit DynamoDB Local sets, peak RSS of the `local up` process, and `stepsaga/testing` start-to-ready
 * inside vitest. Runs alternate between the two trees so that the machine's load hits both alike.
 *
 *   npm run bench:local-cloud -- [--baseline <git-ref>] [--rounds 3] [--executions 96] [--concurrency 16]
 *                                [--no-baseline] [--skip-vitest]
 *
 * The baseline defaults to the merge-base with main (HEAD~ when HEAD is on main). It is checked out in
 * a temporary git worktree; its node_modules is a link to this tree's when the lockfiles are equal,
 * otherwise `npm ci` installs it.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BatchGetItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { createWorkloadTables, PLACE_ORDER_REQUESTS, placeOrderWorkload } from './place-order-workload.js';

const { values: flags } = parseArgs({
  options: {
    baseline: { type: 'string' },
    'no-baseline': { type: 'boolean' },
    rounds: { type: 'string', default: '3' },
    executions: { type: 'string', default: '96' },
    concurrency: { type: 'string', default: '16' },
    'skip-vitest': { type: 'boolean' },
    'keep-worktree': { type: 'boolean' },
  },
});
const ROUNDS = Number(flags.rounds);
const EXECUTIONS = Number(flags.executions);
const CONCURRENCY = Number(flags.concurrency);
const LEVEL_BUDGET_MS = 90_000;
const RAW_TABLE = 'stepsaga-bench-raw';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const region = 'us-east-1';
const here = resolve('.');

const git = (...args: string[]) => execFileSync('git', args, { cwd: here, encoding: 'utf8' }).trim();
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? Number.NaN
    : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;

interface Tree {
  readonly label: string;
  readonly dir: string;
}

/** The baseline commit in a temporary worktree, with node_modules linked or installed. */
function materializeBaseline(ref: string): Tree & { readonly commit: string; remove(): void } {
  const commit = git('rev-parse', '--verify', `${ref}^{commit}`);
  const dir = mkdtempSync(join(tmpdir(), 'stepsaga-baseline-'));
  rmSync(dir, { recursive: true, force: true });
  git('worktree', 'add', '--detach', dir, commit);
  const sameLock =
    existsSync(join(here, 'package-lock.json')) &&
    readFileSync(join(here, 'package-lock.json'), 'utf8') ===
      readFileSync(join(dir, 'package-lock.json'), 'utf8');
  if (sameLock) symlinkSync(join(here, 'node_modules'), join(dir, 'node_modules'), 'dir');
  else {
    process.stderr.write(`baseline ${commit.slice(0, 8)}: lockfile differs, running npm ci there ...\n`);
    execFileSync('npm', ['ci', '--no-fund', '--no-audit'], { cwd: dir, stdio: 'inherit' });
  }
  return {
    label: `baseline ${commit.slice(0, 8)}`,
    dir,
    commit,
    remove: () => {
      if (flags['keep-worktree']) return;
      try {
        git('worktree', 'remove', '--force', dir);
      } catch {
        rmSync(dir, { recursive: true, force: true });
        git('worktree', 'prune');
      }
    },
  };
}

function defaultBaseline(): string {
  const head = git('rev-parse', 'HEAD');
  try {
    const base = git('merge-base', 'HEAD', 'main');
    if (base !== head) return base;
  } catch {
    // No main branch: fall back to the previous commit.
  }
  return 'HEAD~';
}

/** Reads a field of /proc/<pid>/status, in MiB. */
function procMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}

function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
    } catch {
      // Ended while being read.
    }
  }
  return found;
}

/** CPU time (user + system) a process has used so far, in ms; Linux counts it in 10 ms ticks. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** DynamoDB Local's JVM (a descendant of `pid`) and the loopback port it listens on, from /proc. */
function dynamoDbLocalProcess(pid: number): { readonly pid: number; readonly port: number } | undefined {
  const queue = [pid];
  while (queue.length > 0) {
    const current = queue.shift() as number;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${current}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (current !== pid && cmdline.includes('DynamoDBLocal')) {
      const inodes = new Set<string>();
      for (const fd of readdirSync(`/proc/${current}/fd`)) {
        try {
          const link = execFileSync('readlink', [`/proc/${current}/fd/${fd}`], { encoding: 'utf8' }).trim();
          const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
          if (inode) inodes.add(inode);
        } catch {
          // Closed meanwhile.
        }
      }
      for (const table of ['tcp', 'tcp6']) {
        for (const line of readFileSync(`/proc/${current}/net/${table}`, 'utf8').split('\n').slice(1)) {
          const cols = line.trim().split(/\s+/);
          if (cols[3] === '0A' && inodes.has(cols[9] ?? ''))
            return { pid: current, port: Number.parseInt(cols[1]?.split(':')[1] ?? '', 16) };
        }
      }
    }
    queue.push(...childrenOf(current));
  }
  return undefined;
}

/** `local up` processes of this run, so that Ctrl-C stops them (and their JVMs) too. */
const children = new Set<ChildProcess>();

interface Running {
  readonly child: ChildProcess;
  readonly readyMs: number;
  readonly endpoint: string;
  readonly synthMs: number | undefined;
  stop(): Promise<void>;
}

/**
 * `stepsaga local up` as a user runs it, in `tree`: spawn until "Ready in", endpoint parsed from its
 * output. `source` runs the TypeScript CLI through tsx (what `npm start` does here, and what loads a
 * TypeScript app entry on a cache miss); `built` runs the compiled CLI, what `npx stepsaga` runs in
 * an app that installed the package (its app entry needs no loader while the synth cache holds it).
 */
async function localUp(tree: Tree, extra: string[], cli: 'source' | 'built' = 'source'): Promise<Running> {
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...(cli === 'source'
        ? ['--import', 'tsx', 'infra/local/cli/main.ts']
        : ['dist/infra/local/cli/bin.js']),
      'local',
      'up',
      '--app',
      'infra/app.ts',
      '--port',
      '0',
      '--no-schedules',
      ...extra,
    ],
    { cwd: tree.dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STEPSAGA_TIMINGS: '1' } },
  );
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  let readyMs: number | undefined;
  const ready = new Promise<{ endpoint: string }>((resolveReady, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      if (readyMs === undefined && /^Ready in /m.test(output)) readyMs = performance.now() - began;
      const endpoint = /^Endpoint: (http:\/\/\S+)/m.exec(output)?.[1];
      // The CLI handles Ctrl-C only from this line on.
      if (readyMs !== undefined && endpoint && /^Press Ctrl-C to stop/m.test(output))
        resolveReady({ endpoint });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) =>
      reject(
        new Error(`local up in ${tree.dir} exited with ${code} before it was ready:\n${output.slice(-3000)}`),
      ),
    );
  });
  const { endpoint } = await ready;
  // From the start-up phases STEPSAGA_TIMINGS prints: "  synth   0.00 -> 2.80 s  (2.79 s)".
  const synth = /^\s*synth\s+[\d.]+ -> [\d.]+ s\s+\(([\d.]+) s\)/m.exec(output);
  return {
    child,
    readyMs: readyMs as number,
    endpoint,
    synthMs: synth ? Math.round(Number(synth[1]) * 1000) : undefined,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface PoolResult {
  readonly done: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

async function pool(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<PoolResult> {
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

/** DynamoDB Local's CPU time per request (raw), per replayed PlaceOrder (workload), per PlaceOrder. */
interface JvmCpu {
  readonly raw: number;
  readonly workload: number;
  readonly placeOrder: number;
}

interface ThroughputResult {
  readonly raw: PoolResult;
  /** The replay before the PlaceOrder run. */
  readonly workload: PoolResult;
  /** The replay again after it: the JVM keeps warming up, so one side alone would be biased. */
  readonly workloadAfter: PoolResult;
  /** The limit: the mean of the replay's rate before and after the PlaceOrder run. */
  readonly limitPerSecond: number;
  readonly placeOrder: PoolResult;
  /** PlaceOrders per second counted until the event path had applied all of their events too. */
  readonly placeOrderDrainedPerSecond: number;
  readonly jvmMsPerOp: JvmCpu;
  readonly failures: number;
  readonly rssIdleMiB: number;
  readonly rssPeakMiB: number;
}

/**
 * On a running `local up`, once warm and quiet: DynamoDB Local's own rate for a participant's
 * transaction (sent straight to the JVM), PlaceOrder's nine DynamoDB requests replayed straight on
 * the JVM, PlaceOrder through the endpoint at the same concurrency, and the replay again. The limit
 * is the mean of the two replays, which bracket the PlaceOrder run. Completion is observed with one shared
 * ListExecutions(RUNNING) poll every 20 ms rather than a DescribeExecution poll per execution.
 */
async function throughput(tree: Tree, running: Running, round: number): Promise<ThroughputResult> {
  const rssIdleMiB = procMiB(running.child.pid as number, 'VmRSS');
  const config = { endpoint: running.endpoint, region, credentials };
  const db = new DynamoDBClient(config);
  const sfn = new SFNClient(config);
  const jvm = dynamoDbLocalProcess(running.child.pid as number);
  if (!jvm) throw new Error(`${tree.label}: cannot find DynamoDB Local's port`);
  const raw = new DynamoDBClient({ endpoint: `http://127.0.0.1:${jvm.port}`, region, credentials });
  try {
    const tables = (await db.send(new ListTablesCommand({}))).TableNames ?? [];
    const table = (part: string) => {
      const name = tables.find((t) => t.startsWith('StepsagaExample-') && t.includes(part));
      if (!name) throw new Error(`${tree.label}: no ${part} table among ${tables.join(', ')}`);
      return name;
    };
    const machines = (await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? [];
    const stateMachineArn = machines.find((m) => m.name?.includes('PlaceOrder'))?.stateMachineArn;
    if (!stateMachineArn) throw new Error(`${tree.label}: no PlaceOrder state machine`);
    const inventory = table('Inventory');
    await db.send(
      new PutItemCommand({
        TableName: inventory,
        Item: { pk: { S: 'SKU#bench' }, sk: { S: 'STOCK' }, available: { N: '1000000000' } },
      }),
    );
    await db.send(
      new PutItemCommand({
        TableName: table('Payment'),
        Item: { pk: { S: 'ACCOUNT#bench' }, sk: { S: 'BALANCE' }, balance: { N: '1000000000' } },
      }),
    );
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
    const workloadTables = await createWorkloadTables(raw, table, 'stepsaga-bench');
    const rawTransaction = async (id: string) => {
      await raw.send(
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
    };

    // One poll for all executions in flight.
    const waiting = new Map<string, () => void>();
    let polling = false;
    const poll = async () => {
      while (waiting.size > 0) {
        await new Promise((r) => setTimeout(r, 20));
        const running = new Set<string>();
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new ListExecutionsCommand({
              stateMachineArn,
              statusFilter: 'RUNNING',
              maxResults: 1000,
              nextToken,
            }),
          );
          for (const e of page.executions ?? []) if (e.executionArn) running.add(e.executionArn);
          nextToken = page.nextToken;
        } while (nextToken);
        for (const [arn, done] of waiting) {
          if (!running.has(arn)) {
            waiting.delete(arn);
            done();
          }
        }
      }
      polling = false;
    };
    let failures = 0;
    const placeOrder = async (id: string) => {
      const input = { orderId: id, customerId: 'bench', sku: 'bench', quantity: 1, amount: 1 };
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: id, input: JSON.stringify(input) }),
      );
      if (!executionArn) throw new Error('StartExecution returned no executionArn');
      await new Promise<void>((done) => {
        waiting.set(executionArn, done);
        if (!polling) {
          polling = true;
          void poll();
        }
      });
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (status !== 'SUCCEEDED') failures += 1;
    };

    /**
     * Runs `task` in a pool and reports DynamoDB Local's CPU time per task alongside, both up to the
     * end of `drained` when given: work the tasks left behind counts against them.
     */
    const measured = async (
      total: number,
      task: (i: number) => Promise<void>,
      drained: (done: number) => Promise<void> = async () => {},
    ) => {
      const before = cpuMs(jvm.pid);
      const started = performance.now();
      const result = await pool(total, CONCURRENCY, task);
      await drained(result.done);
      const seconds = (performance.now() - started) / 1000;
      return {
        result,
        drainedPerSecond: result.done / seconds,
        jvmMsPerOp: (cpuMs(jvm.pid) - before) / result.done,
      };
    };
    // An execution ends when its last participant commits; the order history applies the three
    // outbox events after that. The replay does that work inside each task, so PlaceOrder is
    // compared with it only once the history has caught up (every summary counts three events).
    const history = table('OrderHistory');
    const historyCaughtUp = async (prefix: string, done: number) => {
      const deadline = Date.now() + 60_000;
      let pending = Array.from({ length: done }, (_, i) => `${prefix}${i}`);
      while (pending.length > 0) {
        if (Date.now() > deadline)
          throw new Error(
            `${tree.label}: the order history has not applied ${pending.length} orders' events`,
          );
        const behind: string[] = [];
        for (let i = 0; i < pending.length; i += 100) {
          const ids = pending.slice(i, i + 100);
          const page = await raw.send(
            new BatchGetItemCommand({
              RequestItems: {
                [history]: {
                  Keys: ids.map((id) => ({ pk: { S: `ORDER#${id}` }, sk: { S: 'SUMMARY' } })),
                  ProjectionExpression: 'pk, eventCount',
                },
              },
            }),
          );
          const applied = new Set(
            (page.Responses?.[history] ?? [])
              .filter((item) => Number(item.eventCount?.N ?? 0) >= 3)
              .map((item) => item.pk?.S?.slice('ORDER#'.length)),
          );
          behind.push(...ids.filter((id) => !applied.has(id)));
        }
        pending = behind;
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 50));
      }
    };

    // Warm-up, not measured: DynamoDB Local's JIT, the functions' first invocations, and the JIT of
    // the cloud's main thread and of every function's workers (the first few dozen PlaceOrders of a
    // fresh cloud run at about half the steady rate).
    await pool(48, 8, (i) => rawTransaction(`warm-${round}-${i}`));
    await pool(CONCURRENCY, CONCURRENCY, (i) =>
      placeOrderWorkload(raw, workloadTables, `warm-${round}-${i}`),
    );
    await pool(3 * CONCURRENCY, CONCURRENCY, (i) => placeOrder(`warm-${round}-${i}`));
    failures = 0;
    // The limit is measured on a quiet cloud: a history still applying the warm-up's events would
    // take CPU from the replay and lower the limit.
    await historyCaughtUp(`warm-${round}-`, 3 * CONCURRENCY);
    await new Promise((r) => setTimeout(r, 1500)); // the relays and the notifier settle
    const rawRun = await measured(EXECUTIONS * 3, (i) => rawTransaction(`raw-${round}-${i}`));
    await new Promise((r) => setTimeout(r, 500));
    const workloadRun = await measured(EXECUTIONS, (i) =>
      placeOrderWorkload(raw, workloadTables, `work-${round}-${i}`),
    );
    await new Promise((r) => setTimeout(r, 500));
    const placeOrderRun = await measured(
      EXECUTIONS,
      (i) => placeOrder(`bench-${round}-${i}`),
      (done) => historyCaughtUp(`bench-${round}-`, done),
    );
    await new Promise((r) => setTimeout(r, 500));
    const workloadAfterRun = await measured(EXECUTIONS, (i) =>
      placeOrderWorkload(raw, workloadTables, `after-${round}-${i}`),
    );
    return {
      raw: rawRun.result,
      workload: workloadRun.result,
      workloadAfter: workloadAfterRun.result,
      limitPerSecond: (workloadRun.result.perSecond + workloadAfterRun.result.perSecond) / 2,
      placeOrder: placeOrderRun.result,
      placeOrderDrainedPerSecond: placeOrderRun.drainedPerSecond,
      jvmMsPerOp: {
        raw: rawRun.jvmMsPerOp,
        workload: (workloadRun.jvmMsPerOp + workloadAfterRun.jvmMsPerOp) / 2,
        placeOrder: placeOrderRun.jvmMsPerOp,
      },
      failures,
      rssIdleMiB,
      rssPeakMiB: procMiB(running.child.pid as number, 'VmHWM'),
    };
  } finally {
    db.destroy();
    sfn.destroy();
    raw.destroy();
  }
}

const VITEST_FILE = `import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { useLocalCloud } from '../../infra/local/testing/index.js';

let began = 0;
beforeAll(() => {
  began = performance.now();
});
const local = useLocalCloud(() => buildExampleApp().app, { synthCache: { name: 'infra/app.ts' }, runSchedules: false });
it('starts', () => {
  const readyMs = performance.now() - began;
  expect(local.cloud.resources.list('stateMachine').length).toBeGreaterThan(0);
  console.log('STEPSAGA_BENCH ' + JSON.stringify({ readyMs, sinceProcessStartMs: performance.now() }));
});
afterAll(() => undefined);
`;
// The package's entry points resolve to the tree's sources, as the repository's own vitest config does.
const VITEST_CONFIG = `import { fileURLToPath } from 'node:url';
const source = (path) => fileURLToPath(new URL(path, import.meta.url));
export default {
  resolve: {
    alias: [
      { find: /^stepsaga$/, replacement: source('../../infra/constructs/index.ts') },
      { find: /^stepsaga\\/runtime$/, replacement: source('../../functions/index.ts') },
      { find: /^stepsaga\\/testing$/, replacement: source('../../infra/local/testing/index.ts') },
      { find: /^stepsaga\\/local$/, replacement: source('../../infra/local/index.ts') },
      { find: /^stepsaga\\/operations$/, replacement: source('../../infra/operations/index.ts') },
    ],
  },
  test: { include: ['.stepsaga/bench/*.test.ts'], testTimeout: 300000, hookTimeout: 300000, pool: 'forks', maxWorkers: 1 },
};
`;

/** A one-test vitest file using `stepsaga/testing`'s useLocalCloud, run with the vitest CLI in `tree`. */
async function vitestStartup(tree: Tree): Promise<{ readyMs: number; wallMs: number }> {
  const dir = join(tree.dir, '.stepsaga', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'testing-startup.test.ts'), VITEST_FILE);
  writeFileSync(join(dir, 'vitest.config.mjs'), VITEST_CONFIG);
  const began = performance.now();
  const child = spawn(
    process.execPath,
    [
      join(here, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--config',
      '.stepsaga/bench/vitest.config.mjs',
    ],
    { cwd: tree.dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const wallMs = performance.now() - began;
  const line = /STEPSAGA_BENCH (\{.*\})/.exec(output)?.[1];
  if (code !== 0 || !line) throw new Error(`vitest in ${tree.dir} failed (${code}):\n${output.slice(-3000)}`);
  return { readyMs: (JSON.parse(line) as { readyMs: number }).readyMs, wallMs };
}

interface Samples {
  cold: number[];
  coldSynth: number[];
  warm: number[];
  warmBuilt: number[];
  vitestReady: number[];
  vitestWall: number[];
  throughput: ThroughputResult[];
}

async function main(): Promise<void> {
  const loadBefore = load();
  const current: Tree = {
    label: `current ${git('rev-parse', '--short=8', 'HEAD')}${git('status', '--porcelain') ? '+dirty' : ''}`,
    dir: here,
  };
  const baseline = flags['no-baseline']
    ? undefined
    : materializeBaseline(flags.baseline ?? defaultBaseline());
  process.once('SIGINT', () => {
    process.stderr.write('SIGINT: stopping the local clouds and removing the baseline worktree ...\n');
    for (const child of children) child.kill('SIGINT');
    setTimeout(() => {
      for (const child of children) child.kill('SIGKILL');
      baseline?.remove();
      process.exit(130);
    }, 5_000);
  });
  const trees: Tree[] = baseline ? [baseline, current] : [current];
  const samples = new Map<Tree, Samples>(
    trees.map((t) => [
      t,
      { cold: [], coldSynth: [], warm: [], warmBuilt: [], vitestReady: [], vitestWall: [], throughput: [] },
    ]),
  );
  const note = (message: string) =>
    process.stderr.write(`[${new Date().toISOString().slice(11, 19)} load ${load()}] ${message}\n`);
  try {
    // Fill each tree's synth cache once, so that "warm" runs hit it, and compile its CLI.
    for (const tree of trees) {
      note(`${tree.label}: building the CLI, priming the synth cache`);
      // Built first: dist/ is inside the project, whose files key the synth cache.
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: tree.dir, stdio: 'ignore' });
      await (await localUp(tree, [])).stop();
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? trees : [...trees].reverse();
      for (const tree of order) {
        const s = samples.get(tree) as Samples;
        const cold = await localUp(tree, ['--no-cache']);
        await cold.stop();
        s.cold.push(cold.readyMs);
        if (cold.synthMs !== undefined) s.coldSynth.push(cold.synthMs);
        note(`${tree.label}: cold ${(cold.readyMs / 1000).toFixed(2)} s (synth ${cold.synthMs} ms)`);
        const warm = await localUp(tree, []);
        await warm.stop();
        s.warm.push(warm.readyMs);
        // Throughput and memory are measured on the compiled CLI, the process `npx stepsaga local up`
        // runs (the tsx variant adds a module-hooks thread of its own). A tree whose compiled CLI
        // cannot start from the cache (it would need a TypeScript loader for the app) is measured
        // through tsx instead, and reports no built-CLI start.
        const built = await localUp(tree, [], 'built').catch((error: Error) => {
          note(`${tree.label}: built CLI did not start: ${error.message.split('\n').slice(-3).join(' ')}`);
          return undefined;
        });
        if (built) s.warmBuilt.push(built.readyMs);
        const served = built ?? (await localUp(tree, []));
        try {
          const result = await throughput(tree, served, round);
          s.throughput.push(result);
          note(
            `${tree.label}: warm ${(warm.readyMs / 1000).toFixed(2)} s (built CLI ${built ? `${(built.readyMs / 1000).toFixed(2)} s` : 'n/a'}); raw ${result.raw.perSecond.toFixed(1)}/s, workload ${result.workload.perSecond.toFixed(1)}/s before and ${result.workloadAfter.perSecond.toFixed(1)}/s after, PlaceOrder ${result.placeOrder.perSecond.toFixed(1)}/s (history applied ${result.placeOrderDrainedPerSecond.toFixed(1)}/s), RSS peak ${result.rssPeakMiB.toFixed(0)} MiB`,
          );
        } finally {
          await served.stop();
        }
        if (!flags['skip-vitest']) {
          const v = await vitestStartup(tree);
          s.vitestReady.push(v.readyMs);
          s.vitestWall.push(v.wallMs);
          note(
            `${tree.label}: vitest useLocalCloud ready ${(v.readyMs / 1000).toFixed(2)} s (file ${(v.wallMs / 1000).toFixed(2)} s)`,
          );
        }
      }
    }
  } finally {
    baseline?.remove();
  }
  const loadAfter = load();

  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const ratioOf = (s: Samples) =>
    s.throughput.map((t) => (100 * t.placeOrderDrainedPerSecond) / t.limitPerSecond);
  const rawRatioOf = (s: Samples) =>
    s.throughput.map((t) => (100 * t.placeOrder.perSecond) / (t.raw.perSecond / 3));
  const jvm = (s: Samples, of: keyof JvmCpu) => median(s.throughput.map((t) => t.jvmMsPerOp[of]));
  interface Row {
    readonly name: string;
    readonly target: string;
    readonly value: (s: Samples) => number;
    readonly format: (v: number) => string;
    readonly pass?: (v: number) => boolean;
    /** Whether bigger is better (for the ratio column's wording). */
    readonly higherIsBetter?: boolean;
  }
  const rows: Row[] = [
    {
      name: 'cold `local up --no-cache` to ready',
      target: '<= 10 s',
      value: (s) => median(s.cold),
      format: sec,
      pass: (v) => v <= 10_000,
    },
    {
      name: '  of which synth (start-up phases)',
      target: '',
      value: (s) => median(s.coldSynth),
      format: sec,
    },
    {
      name: 'warm `local up` to ready (TypeScript CLI through tsx)',
      target: '<= 3 s',
      value: (s) => median(s.warm),
      format: sec,
      pass: (v) => v <= 3_000,
    },
    {
      name: 'warm `local up` to ready (built CLI, as `npx stepsaga`)',
      target: '<= 3 s',
      value: (s) => median(s.warmBuilt),
      format: sec,
      pass: (v) => v <= 3_000,
    },
    {
      name: `DynamoDB Local raw TransactWriteItems, c${CONCURRENCY}`,
      target: '',
      value: (s) => median(s.throughput.map((t) => t.raw.perSecond)),
      format: (v) => `${v.toFixed(1)} /s`,
      higherIsBetter: true,
    },
    {
      name: `PlaceOrder's DynamoDB requests replayed straight on DynamoDB Local (the limit: mean of before and after), c${CONCURRENCY}`,
      target: '',
      value: (s) => median(s.throughput.map((t) => t.limitPerSecond)),
      format: (v) => `${v.toFixed(1)} /s`,
      higherIsBetter: true,
    },
    {
      name: '  the replay before the PlaceOrder run',
      target: '',
      value: (s) => median(s.throughput.map((t) => t.workload.perSecond)),
      format: (v) => `${v.toFixed(1)} /s`,
      higherIsBetter: true,
    },
    {
      name: '  the replay after the PlaceOrder run',
      target: '',
      value: (s) => median(s.throughput.map((t) => t.workloadAfter.perSecond)),
      format: (v) => `${v.toFixed(1)} /s`,
      higherIsBetter: true,
    },
    {
      name: `PlaceOrder, executions ended, c${CONCURRENCY}`,
      target: '',
      value: (s) => median(s.throughput.map((t) => t.placeOrder.perSecond)),
      format: (v) => `${v.toFixed(1)} /s`,
      higherIsBetter: true,
    },
    {
      name: `PlaceOrder, until the order history applied their events, c${CONCURRENCY}`,
      target: '',
      value: (s) => median(s.throughput.map((t) => t.placeOrderDrainedPerSecond)),
      format: (v) => `${v.toFixed(1)} /s`,
      higherIsBetter: true,
    },
    {
      name: `PlaceOrder (history applied) / limit, c${CONCURRENCY}`,
      target: '>= 70 %',
      value: (s) => median(ratioOf(s)),
      format: (v) => `${v.toFixed(0)} %`,
      pass: (v) => v >= 70,
      higherIsBetter: true,
    },
    {
      name: `  PlaceOrder / (raw / 3), the earlier limit, c${CONCURRENCY}`,
      target: '',
      value: (s) => median(rawRatioOf(s)),
      format: (v) => `${v.toFixed(0)} %`,
      higherIsBetter: true,
    },
    {
      name: 'DynamoDB Local CPU per raw transaction',
      target: '',
      value: (s) => jvm(s, 'raw'),
      format: (v) => `${v.toFixed(1)} ms`,
    },
    {
      name: `DynamoDB Local CPU per replayed PlaceOrder (${PLACE_ORDER_REQUESTS.transactions} transactions, ${PLACE_ORDER_REQUESTS.reads} reads)`,
      target: '',
      value: (s) => jvm(s, 'workload'),
      format: (v) => `${v.toFixed(1)} ms`,
    },
    {
      name: 'DynamoDB Local CPU per PlaceOrder (adds the stream reads of the relays)',
      target: '',
      value: (s) => jvm(s, 'placeOrder'),
      format: (v) => `${v.toFixed(1)} ms`,
    },
    {
      name: `PlaceOrder p50, c${CONCURRENCY}`,
      target: '',
      value: (s) => median(s.throughput.map((t) => t.placeOrder.p50)),
      format: (v) => `${v.toFixed(0)} ms`,
    },
    {
      name: `PlaceOrder p99, c${CONCURRENCY}`,
      target: '',
      value: (s) => median(s.throughput.map((t) => t.placeOrder.p99)),
      format: (v) => `${v.toFixed(0)} ms`,
    },
    {
      name: 'RSS of the `local up` node process, peak (VmHWM)',
      target: '<= 400 MiB',
      value: (s) => median(s.throughput.map((t) => t.rssPeakMiB)),
      format: (v) => `${v.toFixed(0)} MiB`,
      pass: (v) => v <= 400,
    },
    {
      name: '  RSS when ready, before load',
      target: '',
      value: (s) => median(s.throughput.map((t) => t.rssIdleMiB)),
      format: (v) => `${v.toFixed(0)} MiB`,
    },
    ...(flags['skip-vitest']
      ? []
      : [
          {
            name: '`stepsaga/testing` useLocalCloud start to ready, in vitest',
            target: '',
            value: (s: Samples) => median(s.vitestReady),
            format: sec,
          },
          {
            name: '  the whole `vitest run` of that one-test file',
            target: '',
            value: (s: Samples) => median(s.vitestWall),
            format: sec,
          },
        ]),
    {
      name: 'executions not SUCCEEDED',
      target: '0',
      value: (s) => s.throughput.reduce((n, t) => n + t.failures, 0),
      format: String,
      pass: (v) => v === 0,
    },
  ];
  const header = [
    'measure (median of rounds)',
    ...trees.map((t) => t.label),
    ...(baseline ? ['current / baseline'] : []),
    'target',
    'pass',
  ];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const values = trees.map((t) => row.value(samples.get(t) as Samples));
    const mine = values[values.length - 1] as number;
    const ratio =
      baseline && Number.isFinite(values[0]) && (values[0] as number) !== 0
        ? `${(mine / (values[0] as number)).toFixed(2)}x`
        : '';
    const pass = row.pass ? (row.pass(mine) ? 'yes' : 'no') : '';
    lines.push(
      `| ${[row.name, ...values.map((v) => (Number.isFinite(v) ? row.format(v) : '?')), ...(baseline ? [ratio] : []), row.target, pass].join(' | ')} |`,
    );
  }
  console.log(
    `\nLocal cloud speed, ${ROUNDS} alternating round(s), ${EXECUTIONS} PlaceOrders, ${EXECUTIONS} replayed PlaceOrders and ${EXECUTIONS * 3} raw transactions per round at concurrency ${CONCURRENCY}; ` +
      `load average (1, 5, 15 min) before ${loadBefore}, after ${loadAfter}; ${new Date().toISOString()}\n`,
  );
  console.log(lines.join('\n'));
}

await main();
