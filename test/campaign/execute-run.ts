import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { InjectedFault } from '../../infra/local/faults/fault-plan.js';
import { waitForExecution } from '../../infra/local/testing/index.js';
import type { InjectedFaultHandle } from '../../infra/local/types.js';
import { HOLD_ORDER_BUDGET } from './campaign-app.js';
import type { CampaignEnvironment } from './environment.js';
import {
  type CampaignSnapshot,
  checkInvariants,
  type ExecutionOutcome,
  type HoldSetup,
  type OutcomeKind,
  outcomeKind,
  type RunSetup,
  type Violation,
} from './invariants.js';
import {
  eventFaultRule,
  type FaultSpec,
  faultRule,
  LABEL_RESULT_OVERHEAD,
  payloadBytes,
  type RunSpec,
} from './run-spec.js';
import {
  deleteItems,
  drainParked,
  drainQueues,
  getItems,
  queryPartition,
  queueDepth,
  scanTables,
} from './snapshot.js';
import type { WorkloadName } from './workloads.js';

export interface RunReport {
  readonly runId: string;
  readonly spec: RunSpec;
  readonly setup: RunSetup;
  readonly snapshot: CampaignSnapshot;
  readonly violations: readonly Violation[];
  readonly outcomes: Readonly<Partial<Record<OutcomeKind, number>>>;
  /** Faults that fired on this run's executions. */
  readonly faults: readonly InjectedFault[];
  readonly executions: number;
  readonly durationMs: number;
}

const OUTCOME_TYPES: Partial<Record<OutcomeKind, string>> = {
  succeeded: 'SagaSucceeded',
  compensated: 'SagaCompensated',
  parked: 'SagaParked',
};

/** Longest an execution may take, retries and simulated timeouts included, before the run fails. */
const EXECUTION_TIMEOUT_MS = 120_000;
/** Longest the event paths may take to deliver a run's events and outcomes once its executions ended. */
const EVENT_PATH_TIMEOUT_MS = 30_000;

const pick = <T>(values: readonly T[], index: number): T => values[index % values.length] as T;

/**
 * One property run on a shared cloud: creates fresh stock and accounts, installs the run's faults
 * (each scoped to its execution), starts every execution at once, waits for all of them, then
 * snapshots the tables and the parked queues, checks the invariants, and deletes what the run left.
 */
export async function executeRun(env: CampaignEnvironment, spec: RunSpec): Promise<RunReport> {
  const started = Date.now();
  env.runs += 1;
  const runId = `${env.prefix}${env.runs}`;
  const skus = spec.stock.map((_, i) => `${runId}-s${i}`);
  const customers = spec.balances.map((_, i) => `${runId}-c${i}`);
  const accounts = spec.accounts.map((_, i) => `${runId}-a${i}`);
  const payees = Array.from({ length: Math.max(1, spec.payees) }, (_, i) => `${runId}-p${i}`);
  const setup: RunSetup = {
    stock: Object.fromEntries(skus.map((s, i) => [s, spec.stock[i] ?? 0])),
    balances: Object.fromEntries(customers.map((c, i) => [c, spec.balances[i] ?? 0])),
    debitAccounts: Object.fromEntries(accounts.map((a, i) => [a, spec.accounts[i] ?? 0])),
    creditAccounts: Object.fromEntries(payees.map((p) => [p, 0])),
    orders: spec.orders.map((o, k) => ({
      sagaId: `${runId}-o${k}`,
      sku: pick(skus, o.sku),
      customerId: pick(customers, o.customer),
      quantity: o.quantity,
      amount: o.amount,
    })),
    holds: spec.orders.flatMap((o, k) => {
      if (!o.hold) return [];
      const resultBytes = payloadBytes(
        o.hold.label,
        HOLD_ORDER_BUDGET.labelResultBytes,
        LABEL_RESULT_OVERHEAD + 16,
      );
      return [
        {
          sagaId: `${runId}-o${k}`,
          sku: pick(skus, o.hold.sku),
          customerId: pick(customers, o.customer),
          quantity: o.hold.quantity,
          amount: o.amount,
          inputBytes: payloadBytes(o.hold.input, HOLD_ORDER_BUDGET.inputBytes, 0),
          resultBytes,
          inputOverBudget: o.hold.input.size === 'near' && o.hold.input.offset > 0,
          resultOverBudget: o.hold.label.size === 'near' && o.hold.label.offset > 0,
        },
      ];
    }),
    transfers: spec.transfers.map((t, k) => ({
      sagaId: `${runId}-t${k}`,
      fromAccount: pick(accounts, t.from),
      toAccount: pick(payees, t.to),
      amount: t.amount,
    })),
    trips: (spec.trips ?? []).map((t, k) => ({
      sagaId: `${runId}-b${k}`,
      customerId: pick(customers, t.customer),
      amount: t.amount,
      failAt: t.failAt,
    })),
  };

  const { participants } = env;
  const put = (participant: keyof typeof participants, item: Record<string, unknown>) =>
    env.dynamodb.send(
      new PutItemCommand({ TableName: participants[participant].tableName, Item: marshall(item) }),
    );
  await Promise.all([
    ...Object.entries(setup.stock).map(([sku, available]) =>
      put('Inventory', { pk: `SKU#${sku}`, sk: 'STOCK', available }),
    ),
    ...Object.entries(setup.balances).map(([c, balance]) =>
      put('Payment', { pk: `ACCOUNT#${c}`, sk: 'BALANCE', balance }),
    ),
    ...Object.entries(setup.debitAccounts).map(([a, balance]) =>
      put('DebitAccounts', { pk: `ACCOUNT#${a}`, sk: 'BALANCE', balance, held: 0 }),
    ),
    ...Object.entries(setup.creditAccounts).map(([p, balance]) =>
      put('CreditAccounts', { pk: `ACCOUNT#${p}`, sk: 'BALANCE', balance }),
    ),
  ]);

  const handles: InjectedFaultHandle[] = [];
  const install = (workload: WorkloadName, sagaId: string, faults: readonly FaultSpec[]) => {
    for (const fault of faults)
      handles.push(
        env.cloud.faults.inject(
          faultRule(workload, sagaId, fault, (p) => participants[p as keyof typeof participants]),
        ),
      );
  };
  for (const [k, o] of spec.orders.entries()) install('PlaceOrder', setup.orders[k]?.sagaId ?? '', o.faults);
  for (const [k, o] of spec.orders.entries())
    if (o.hold) install('HoldOrder', `${runId}-o${k}`, o.hold.faults);
  for (const [k, t] of spec.transfers.entries())
    install('Transfer', setup.transfers[k]?.sagaId ?? '', t.faults);
  for (const [k, t] of (spec.trips ?? []).entries())
    install('BookTrip', setup.trips[k]?.sagaId ?? '', t.faults);
  const sagaScoped = handles.length;
  const path = env.eventPath;
  if (path)
    for (const fault of spec.eventFaults) handles.push(env.cloud.faults.inject(eventFaultRule(fault, path)));
  // A late bank: every invocation of the bank webhook in this run starts late (it carries no saga id).
  const lateBank =
    spec.bankDelayMs === undefined || setup.trips.length === 0
      ? undefined
      : env.cloud.faults.inject({
          kind: 'delay',
          function: participants.Bank.functionName,
          ms: spec.bankDelayMs,
        });

  const clouds = new Set([env.cloud]);
  const crash = spec.cloudCrash && env.restartCloud ? spec.cloudCrash : undefined;
  let crashed: Promise<void> | undefined;
  // The crash comes once every execution was started: a start the cloud acknowledged is durable.
  let toStart = setup.orders.length + setup.holds.length + setup.transfers.length;
  let allStarted: () => void = () => {};
  const everyStart = new Promise<void>((resolve) => {
    allStarted = resolve;
  });
  if (toStart === 0) allStarted();
  const run = async (workload: WorkloadName, sagaId: string, input: unknown): Promise<ExecutionOutcome> => {
    let executionArn: string;
    try {
      ({ executionArn } = (await env.cloud.stepFunctions.call('StartExecution', {
        stateMachineArn: env.machines[workload],
        name: sagaId,
        input: JSON.stringify(input),
      })) as { executionArn: string });
    } finally {
      toStart -= 1;
      if (toStart === 0) allStarted();
    }
    for (;;) {
      const cloud = env.cloud;
      let done: Awaited<ReturnType<typeof waitForExecution>> | undefined;
      try {
        // An operator would look at each parked saga; the campaign abandons them, which ends them as before.
        done = await waitForExecution(cloud, executionArn, EXECUTION_TIMEOUT_MS, {
          parkedDecision: 'abandon',
        });
      } catch (error) {
        if (!env.restarting && cloud === env.cloud) throw error;
      }
      // What a crashing cloud says about an execution is not its end: ask the restarted one.
      if (env.restarting || cloud !== env.cloud || !done) {
        await env.restarting;
        continue;
      }
      return {
        workload,
        sagaId,
        executionArn,
        status: done.status,
        ...(done.error ? { error: done.error } : {}),
      };
    }
  };
  if (crash && env.restartCloud) {
    const restart = env.restartCloud;
    crashed = (async () => {
      await everyStart;
      await new Promise((resolve) => setTimeout(resolve, crash.afterMs));
      env.restarting = restart().finally(() => {
        env.restarting = undefined;
      });
      await env.restarting;
      clouds.add(env.cloud);
    })();
  }
  let executions: ExecutionOutcome[];
  try {
    executions = await Promise.all([
      ...setup.orders.map((o) =>
        run('PlaceOrder', o.sagaId, {
          orderId: o.sagaId,
          customerId: o.customerId,
          sku: o.sku,
          quantity: o.quantity,
          amount: o.amount,
        }),
      ),
      ...setup.holds.map((h) => run('HoldOrder', h.sagaId, holdInput(h))),
      ...setup.transfers.map((t) =>
        run('Transfer', t.sagaId, {
          transferId: t.sagaId,
          fromAccount: t.fromAccount,
          toAccount: t.toAccount,
          amount: t.amount,
        }),
      ),
      ...setup.trips.map((t) =>
        run('BookTrip', t.sagaId, {
          tripId: t.sagaId,
          customerId: t.customerId,
          amount: t.amount,
          ...(t.failAt ? { failAt: t.failAt } : {}),
        }),
      ),
    ]);
    await crashed;
  } finally {
    // A run never leaves a crash pending for the next one.
    await crashed?.catch(() => undefined);
    // Saga-scoped rules end with their executions; event-path rules stay until the events are through.
    for (const handle of handles.splice(0, sagaScoped)) handle.remove();
  }

  const parked = await drainParked(env.sqs, env.parkedQueues);
  // A late answer may still be on its way after its saga gave up: the run is judged once it landed.
  let tables: Awaited<ReturnType<typeof settledTables>>;
  try {
    tables = await settledTables(env);
  } finally {
    lateBank?.remove();
  }
  const keys = new Map(tables.keys);
  let eventPath: CampaignSnapshot['eventPath'];
  if (path) {
    try {
      const quiet = await waitForEventPath(env, path, tables.items, setup, executions);
      const deadLetters = await drainQueues(env.sqs, path.deadLetterQueues);
      eventPath = {
        ...quiet.snapshot,
        orderHistory: [
          ...quiet.snapshot.orderHistory,
          ...(await inboxRecordsOf(env, path.orderHistoryTable, deadLetters, quiet.snapshot.orderHistory)),
        ],
        deadLetters,
      };
      keys.set(path.orderHistoryTable, quiet.historyKeys);
      keys.set(path.outcomeLogTable, quiet.outcomeKeys);
    } finally {
      for (const handle of handles) handle.remove();
    }
  }
  const snapshot: CampaignSnapshot = {
    tables: tables.items,
    executions,
    parked,
    ...(eventPath ? { eventPath } : {}),
  };
  const violations = checkInvariants(snapshot, setup);
  await deleteItems(env.dynamodb, keys);

  const outcomes: Partial<Record<OutcomeKind, number>> = {};
  for (const e of executions) {
    const kind = outcomeKind(e);
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
  }
  return {
    runId,
    spec,
    setup,
    snapshot,
    violations,
    outcomes,
    // Runs are sequential: event-path faults (no saga id) that fired since this run began are its own.
    faults: [...clouds].flatMap((cloud) =>
      cloud.faults.injected((f) =>
        f.sagaId === undefined ? f.at >= started : f.sagaId.startsWith(`${runId}-`),
      ),
    ),
    executions: executions.length,
    durationMs: Date.now() - started,
  };
}

/**
 * HoldOrder's input: the order's fields (Inventory's schema), the label to store (BlobStore's), and
 * a note that pads the JSON to the spec's size when that is larger than the rest.
 */
export function holdInput(hold: HoldSetup): Record<string, unknown> {
  const base = {
    orderId: hold.sagaId,
    customerId: hold.customerId,
    sku: hold.sku,
    quantity: hold.quantity,
    amount: hold.amount,
    id: hold.sagaId,
    sizes: { StoreLabel: hold.resultBytes - LABEL_RESULT_OVERHEAD },
    note: '',
  };
  const padding = hold.inputBytes - Buffer.byteLength(JSON.stringify(base));
  return { ...base, note: 'x'.repeat(Math.max(0, padding)) };
}

const fingerprint = (tables: CampaignSnapshot['tables']) =>
  JSON.stringify(
    Object.keys(tables)
      .sort()
      .map((name) => tables[name as keyof typeof tables]),
  );

/**
 * Scans once no Lambda invocation is under way and two scans a moment apart agree. An execution can
 * end while one of its invocations still runs (a Parallel branch whose sibling failed is abandoned,
 * not killed, as on AWS), and that invocation may still commit; the run is judged once it is quiet.
 */
async function settledTables(env: CampaignEnvironment) {
  const deadline = Date.now() + EXECUTION_TIMEOUT_MS;
  let previous: Awaited<ReturnType<typeof scanTables>> | undefined;
  for (;;) {
    while (env.cloud.invocationsInFlight() > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const next = await scanTables(env);
    if ((previous && fingerprint(next.items) === fingerprint(previous.items)) || Date.now() > deadline)
      return next;
    previous = next;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The inbox records of dead-lettered events the run's own reads did not cover. A dead-letter queue
 * is drained by whichever run finds the message, and an earlier run's event may get there late
 * (its deletes lost again and again): whether it was applied is a fact of the inbox, not of the run.
 */
async function inboxRecordsOf(
  env: CampaignEnvironment,
  table: string,
  deadLetters: readonly unknown[],
  known: readonly Record<string, unknown>[],
) {
  const seen = new Set(known.map((item) => String(item.pk)));
  const eventIds = new Set(
    deadLetters
      .map((letter) => (letter as { eventId?: unknown } | null)?.eventId)
      .filter((id): id is string => typeof id === 'string' && !seen.has(`INBOX#${id}`)),
  );
  if (eventIds.size === 0) return [];
  const found = await getItems(
    env,
    table,
    [...eventIds].map((id) => ({ pk: `INBOX#${id}`, sk: 'INBOX' })),
  );
  return found.items;
}

/**
 * Polls until every outbox event of the run's orders is in the order-history inbox, every order's
 * outcome is in the outcome log and the event queues hold nothing, or until the deadline; the
 * invariants then judge what arrived. Reads are by key (the run's events, orders and sagas), and
 * inbox records are never deleted: a duplicate that arrives after the run was checked must still
 * find its record, as it would in production.
 */
async function waitForEventPath(
  env: CampaignEnvironment,
  path: NonNullable<CampaignEnvironment['eventPath']>,
  tables: CampaignSnapshot['tables'],
  setup: RunSetup,
  executions: readonly ExecutionOutcome[],
) {
  const orderIds = new Set(setup.orders.map((o) => o.sagaId));
  const eventIds = (['Inventory', 'Payment', 'Shipping'] as const).flatMap((p) =>
    (tables[p] ?? [])
      .filter((i) => i.itemType === 'outbox' && orderIds.has(String(i.sagaId)))
      .map((i) => String(i.eventId)),
  );
  const deadline = Date.now() + EVENT_PATH_TIMEOUT_MS;
  for (;;) {
    const [inbox, outcomes, depths] = await Promise.all([
      getItems(
        env,
        path.orderHistoryTable,
        eventIds.map((id) => ({ pk: `INBOX#${id}`, sk: 'INBOX' })),
      ),
      getItems(
        env,
        path.outcomeLogTable,
        setup.orders.map((o) => ({ pk: `SAGA#${o.sagaId}`, sk: 'OUTCOME' })),
      ),
      Promise.all(path.busyQueues.map((url) => queueDepth(env.sqs, url))),
    ]);
    const logged = new Set(outcomes.items.map((i) => String(i.pk)));
    const undelivered = executions.filter((e) => {
      const type = OUTCOME_TYPES[outcomeKind(e)];
      return (
        e.workload === 'PlaceOrder' &&
        type !== undefined &&
        path.publishedOutcomes.includes(type) &&
        !logged.has(`SAGA#${e.sagaId}`)
      );
    });
    const status = await getItems(
      env,
      path.notificationStatusTable,
      undelivered.map((e) => ({ notificationId: e.executionArn })),
    );
    const retrying = status.items.filter((i) => i.state === 'failed-attempt').length;
    const done =
      inbox.items.length === eventIds.length &&
      undelivered.length === retrying &&
      depths.every((d) => d === 0);
    if (done || Date.now() > deadline) {
      const orders = await Promise.all(
        setup.orders.map((o) => queryPartition(env, path.orderHistoryTable, `ORDER#${o.sagaId}`)),
      );
      return {
        snapshot: {
          orderHistory: [...inbox.items, ...orders.flatMap((o) => o.items)],
          outcomeLog: outcomes.items,
          notificationStatus: status.items,
          publishedOutcomes: path.publishedOutcomes,
        },
        historyKeys: orders.flatMap((o) => o.keys),
        outcomeKeys: outcomes.keys,
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
