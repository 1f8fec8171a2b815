import { createHash } from 'node:crypto';
import { EMITTED_EVENTS, type ParticipantName, type WorkloadName } from './workloads.js';

/**
 * Invariants of the example workloads, as pure functions over a snapshot of the participant
 * tables, the executions' outcomes and the parked-sagas queues. A run sets up fresh stock and
 * accounts, so every sum is checked against the run's own initial values.
 */

export type Item = Readonly<Record<string, unknown>>;

export interface ExecutionOutcome {
  readonly workload: WorkloadName;
  readonly sagaId: string;
  readonly executionArn: string;
  /** DescribeExecution's `status`. */
  readonly status: string;
  readonly error?: string;
}

export interface ParkedMessage {
  readonly sagaId: string;
  readonly sagaName: string;
}

export interface CampaignSnapshot {
  /** Every item of each participant table, unmarshalled. */
  readonly tables: Readonly<Record<ParticipantName, readonly Item[]>>;
  readonly executions: readonly ExecutionOutcome[];
  /** Messages taken from the parked-sagas queues. */
  readonly parked: readonly ParkedMessage[];
  /** PlaceOrder's event paths, once they went quiet (absent when the app has none). */
  readonly eventPath?: EventPathSnapshot;
}

export interface EventPathSnapshot {
  /** The run's part of the inbox consumer's table: `INBOX#<eventId>` records, applied events, order summaries. */
  readonly orderHistory: readonly Item[];
  /** The outcome channel target's table: `SAGA#<sagaId>` / `OUTCOME`. */
  readonly outcomeLog: readonly Item[];
  /**
   * The notifier's status records of outcomes not in the outcome log yet: a failed attempt waits for
   * its backoff (10 s and more), longer than a run waits.
   */
  readonly notificationStatus: readonly Item[];
  /** Outcome types the saga publishes at all. */
  readonly publishedOutcomes: readonly string[];
  /** Whatever reached a dead-letter or on-failure queue of the event paths. */
  readonly deadLetters: readonly unknown[];
}

export interface OrderSetup {
  readonly sagaId: string;
  readonly sku: string;
  readonly customerId: string;
  readonly quantity: number;
  readonly amount: number;
}

export interface TransferSetup {
  readonly sagaId: string;
  readonly fromAccount: string;
  readonly toAccount: string;
  readonly amount: number;
}

/**
 * A HoldOrder started with an order's id as its execution name. Sizes are the JSON bytes the
 * participants measure: the execution input, and StoreLabel's result.
 */
export interface HoldSetup {
  readonly sagaId: string;
  readonly sku: string;
  readonly customerId: string;
  readonly quantity: number;
  readonly amount: number;
  readonly inputBytes: number;
  readonly resultBytes: number;
  /** The input is over HoldOrder's `maxInputBytes`: the saga must refuse it with nothing committed. */
  readonly inputOverBudget: boolean;
  /** The label is over StoreLabel's `maxResultBytes`: the step must never commit. */
  readonly resultOverBudget: boolean;
}

/** A BookTrip: the trip id is its execution name; `failAt` is where the example misbehaves on purpose. */
export interface TripSetup {
  readonly sagaId: string;
  readonly customerId: string;
  readonly amount: number;
  readonly failAt?: string | undefined;
}

/** What a run started from: initial stock and balances, and each execution's input. */
export interface RunSetup {
  readonly orders: readonly OrderSetup[];
  readonly holds: readonly HoldSetup[];
  readonly transfers: readonly TransferSetup[];
  readonly trips: readonly TripSetup[];
  readonly stock: Readonly<Record<string, number>>;
  readonly balances: Readonly<Record<string, number>>;
  readonly debitAccounts: Readonly<Record<string, number>>;
  readonly creditAccounts: Readonly<Record<string, number>>;
}

export interface Violation {
  /** A short stable name, e.g. `stock-conserved`. */
  readonly invariant: string;
  /** The saga, SKU or account it is about. */
  readonly subject: string;
  readonly detail: string;
}

/** How an execution ended, in the campaign's words. */
export type OutcomeKind =
  | 'succeeded'
  | 'compensated'
  | 'cancelled'
  | 'parked'
  | 'input refused'
  | 'unexpected';

export function outcomeKind(outcome: ExecutionOutcome): OutcomeKind {
  if (outcome.status === 'SUCCEEDED') return 'succeeded';
  if (outcome.status === 'FAILED' && outcome.error === 'SagaCompensated' && outcome.workload !== 'Transfer')
    return 'compensated';
  if (outcome.status === 'FAILED' && outcome.error === 'SagaInputInvalid') return 'input refused';
  if (outcome.status === 'FAILED' && outcome.error === 'SagaCancelled' && outcome.workload === 'Transfer')
    return 'cancelled';
  if (outcome.status === 'FAILED' && outcome.error === 'SagaParked') return 'parked';
  return 'unexpected';
}

const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? Number.NaN));

class Tables {
  private readonly byKey = new Map<string, Item>();

  constructor(readonly snapshot: CampaignSnapshot) {
    for (const [participant, items] of Object.entries(snapshot.tables)) {
      for (const item of items) this.byKey.set(`${participant}|${String(item.pk)}|${String(item.sk)}`, item);
    }
  }

  item(participant: ParticipantName, pk: string, sk: string): Item | undefined {
    return this.byKey.get(`${participant}|${pk}|${sk}`);
  }

  /** A barrier's status; each workload's saga name is its state machine's name. */
  barrier(
    participant: ParticipantName,
    saga: WorkloadName,
    sagaId: string,
    step: string,
    phase: string,
  ): string | undefined {
    const status = this.item(participant, `BARRIER#${saga}#${sagaId}`, `${step}#${phase}`)?.status;
    return typeof status === 'string' ? status : undefined;
  }

  committed(
    participant: ParticipantName,
    saga: WorkloadName,
    sagaId: string,
    step: string,
    phase: string,
  ): boolean {
    return this.barrier(participant, saga, sagaId, step, phase) === 'committed';
  }
}

/** Checks every invariant; an empty list means the run is correct. */
export function checkInvariants(snapshot: CampaignSnapshot, setup: RunSetup): Violation[] {
  const tables = new Tables(snapshot);
  const violations: Violation[] = [];
  const add = (invariant: string, subject: string, detail: string) =>
    violations.push({ invariant, subject, detail });
  // HoldOrder and PlaceOrder share execution names: a saga instance is (saga name, saga id).
  const outcomes = new Map(snapshot.executions.map((e) => [instance(e.workload, e.sagaId), e]));
  const parked = new Set(snapshot.parked.map((m) => instance(m.sagaName, m.sagaId)));

  const expected = [
    ...setup.orders.map((o) => ({ sagaId: o.sagaId, workload: 'PlaceOrder' as const })),
    ...setup.holds.map((h) => ({ sagaId: h.sagaId, workload: 'HoldOrder' as const })),
    ...setup.transfers.map((t) => ({ sagaId: t.sagaId, workload: 'Transfer' as const })),
    ...setup.trips.map((t) => ({ sagaId: t.sagaId, workload: 'BookTrip' as const })),
  ];
  const refusable = new Set(setup.holds.filter((h) => h.inputOverBudget).map((h) => h.sagaId));
  for (const { sagaId, workload } of expected) {
    const key = instance(workload, sagaId);
    const subject = `${workload} ${sagaId}`;
    const outcome = outcomes.get(key);
    if (!outcome) {
      add('execution-ends', subject, 'no execution outcome was recorded');
      continue;
    }
    const kind = outcomeKind(outcome);
    const allowed =
      workload === 'Transfer'
        ? 'SagaCancelled'
        : `SagaCompensated${workload === 'HoldOrder' ? ', SagaInputInvalid' : ''}`;
    if (kind === 'unexpected' || (kind === 'input refused' && workload !== 'HoldOrder'))
      add(
        'execution-ends',
        subject,
        `${workload} ended ${outcome.status}${outcome.error ? ` (${outcome.error})` : ''}; expected SUCCEEDED, ${allowed} or SagaParked`,
      );
    if (kind === 'input refused' && workload === 'HoldOrder' && !refusable.has(sagaId))
      add('input-budget', subject, 'the saga refused an input within its maxInputBytes as SagaInputInvalid');
    if (kind === 'parked' && !parked.has(key))
      add(
        'parked-message',
        subject,
        'the execution ended SagaParked but its parked-sagas queue has no message for it',
      );
    if (kind !== 'parked' && parked.has(key))
      add('parked-message', subject, `a parked message exists but the execution ended ${outcome.status}`);
  }

  const stockLeft = checkPlaceOrder(tables, setup, outcomes, add);
  checkHoldOrder(tables, setup, outcomes, stockLeft, add);
  checkStock(tables, setup, stockLeft, add);
  checkTransfer(tables, setup, outcomes, add);
  checkBookTrip(tables, setup, outcomes, add);
  checkOutbox(snapshot, tables, setup, add);
  if (snapshot.eventPath) checkEventPath(snapshot, snapshot.eventPath, setup, outcomes, add);
  checkStrays(snapshot, setup, add);
  return violations;
}

type Add = (invariant: string, subject: string, detail: string) => void;

const instance = (sagaName: string, sagaId: string) => `${sagaName}#${sagaId}`;

/** Effects left on a SKU or an account: by succeeded sagas (consumed) and by parked ones (held). */
type Left = Map<string, { succeeded: number; parked: number }>;

const bump = (map: Left, key: string, parked: boolean, by: number) => {
  const entry = map.get(key) ?? { succeeded: 0, parked: 0 };
  if (parked) entry.parked += by;
  else entry.succeeded += by;
  map.set(key, entry);
};

/** Checks each order; returns the stock the orders left taken, for the stock balance. */
function checkPlaceOrder(
  tables: Tables,
  setup: RunSetup,
  outcomes: ReadonlyMap<string, ExecutionOutcome>,
  add: Add,
): Left {
  const stockLeft: Left = new Map();
  const moneyLeft: Left = new Map();

  for (const order of setup.orders) {
    const id = order.sagaId;
    const outcome = outcomes.get(instance('PlaceOrder', id));
    const kind = outcome ? outcomeKind(outcome) : 'unexpected';
    const st = (participant: ParticipantName, step: string, phase: string) =>
      tables.barrier(participant, 'PlaceOrder', id, step, phase);
    const reserve = st('Inventory', 'ReserveInventory', 'action');
    const release = st('Inventory', 'ReserveInventory', 'compensation');
    const charge = st('Payment', 'ChargePayment', 'action');
    const refund = st('Payment', 'ChargePayment', 'compensation');
    const ship = st('Shipping', 'ShipOrder', 'action');
    const show = `reserve=${reserve ?? '-'} release=${release ?? '-'} charge=${charge ?? '-'} refund=${refund ?? '-'} ship=${ship ?? '-'}`;

    for (const [step, action, undo] of [
      ['ReserveInventory', reserve, release],
      ['ChargePayment', charge, refund],
    ] as const) {
      if (undo === 'committed' && action !== 'committed')
        add(
          'barrier-order',
          id,
          `${step}: compensation committed but the action is ${action ?? 'absent'} (${show})`,
        );
      if (action === 'blocked' && undo !== 'empty')
        add('barrier-order', id, `${step}: action blocked without an empty compensation (${show})`);
    }
    const reserveLeft = reserve === 'committed' && release !== 'committed';
    const chargeLeft = charge === 'committed' && refund !== 'committed';
    if (kind === 'succeeded') {
      if (reserve !== 'committed' || charge !== 'committed' || ship !== 'committed')
        add('succeeded-complete', id, `the saga succeeded but not every step committed (${show})`);
      if (release !== undefined || refund !== undefined)
        add('succeeded-complete', id, `the saga succeeded but a compensation barrier exists (${show})`);
    }
    if (kind === 'compensated') {
      if (reserveLeft || chargeLeft)
        add('compensated-exactly', id, `the saga was compensated but an effect is left (${show})`);
      if (ship === 'committed')
        add(
          'compensated-exactly',
          id,
          `the saga was compensated after its pivot ShipOrder committed (${show})`,
        );
    }
    const shipment = tables.item('Shipping', `ORDER#${order.sagaId}`, 'SHIPMENT');
    if ((shipment !== undefined) !== (ship === 'committed'))
      add(
        'shipment-once',
        id,
        `shipment item ${shipment ? 'exists' : 'is absent'} but ShipOrder is ${ship ?? 'absent'}`,
      );
    if (reserveLeft) bump(stockLeft, order.sku, kind === 'parked', order.quantity);
    if (chargeLeft) bump(moneyLeft, order.customerId, kind === 'parked', order.amount);
    if ((reserveLeft || chargeLeft) && kind !== 'succeeded' && kind !== 'parked')
      add('no-effect-left', id, `a ${kind} saga left an effect (${show})`);
    checkUndoRecord(tables, 'PlaceOrder', id, order, add);
  }

  for (const [customer, initial] of Object.entries(setup.balances)) {
    const balance = num(tables.item('Payment', `ACCOUNT#${customer}`, 'BALANCE')?.balance);
    const left = moneyLeft.get(customer) ?? { succeeded: 0, parked: 0 };
    if (balance < 0) add('no-negative', `ACCOUNT#${customer}`, `balance is ${balance}`);
    if (balance + left.succeeded + left.parked !== initial)
      add(
        'money-conserved',
        `ACCOUNT#${customer}`,
        `initial ${initial} != balance ${balance} + charged by succeeded orders ${left.succeeded} + held by parked orders ${left.parked}`,
      );
  }
  return stockLeft;
}

/**
 * A committed ReserveInventory compensation released exactly what its own saga instance reserved:
 * the same SKU and quantity. Two sagas share the step name and the execution name, so a barrier
 * keyed without the saga would hand one saga's compensation the other's record.
 */
function checkUndoRecord(
  tables: Tables,
  saga: WorkloadName,
  sagaId: string,
  own: { readonly sku: string; readonly quantity: number },
  add: Add,
): void {
  const release = tables.item('Inventory', `BARRIER#${saga}#${sagaId}`, 'ReserveInventory#compensation');
  if (release?.status !== 'committed') return;
  const result = parseRecord(release.result);
  if (result?.sku !== own.sku || result?.released !== own.quantity)
    add(
      'no-cross-talk',
      `${saga} ${sagaId}`,
      `ReserveInventory's compensation released ${JSON.stringify(result)}, but this saga reserved ${own.quantity} of ${own.sku}`,
    );
}

function parseRecord(json: unknown): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(String(json));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * HoldOrder: reserve stock, then store a label near StoreLabel's result budget; its input is near
 * the saga's input budget. A saga instance is judged by (HoldOrder, order id), never by the order's
 * barriers. An input over budget ends as SagaInputInvalid, or (when a fault refused it first)
 * compensated, with nothing committed; a label over budget never commits, and the reservation
 * before it is undone.
 */
function checkHoldOrder(
  tables: Tables,
  setup: RunSetup,
  outcomes: ReadonlyMap<string, ExecutionOutcome>,
  stockLeft: Left,
  add: Add,
): void {
  for (const hold of setup.holds) {
    const id = hold.sagaId;
    const subject = `HoldOrder ${id}`;
    const outcome = outcomes.get(instance('HoldOrder', id));
    const kind = outcome ? outcomeKind(outcome) : 'unexpected';
    const reserve = tables.barrier('Inventory', 'HoldOrder', id, 'ReserveInventory', 'action');
    const release = tables.barrier('Inventory', 'HoldOrder', id, 'ReserveInventory', 'compensation');
    const label = tables.barrier('BlobStore', 'HoldOrder', id, 'StoreLabel', 'action');
    const unlabel = tables.barrier('BlobStore', 'HoldOrder', id, 'StoreLabel', 'compensation');
    const show = `reserve=${reserve ?? '-'} release=${release ?? '-'} label=${label ?? '-'} unlabel=${unlabel ?? '-'}; input ${hold.inputBytes} B, label result ${hold.resultBytes} B`;

    for (const [step, action, undo] of [
      ['ReserveInventory', reserve, release],
      ['StoreLabel', label, unlabel],
    ] as const) {
      if (undo === 'committed' && action !== 'committed')
        add(
          'barrier-order',
          subject,
          `${step}: compensation committed but the action is ${action ?? 'absent'} (${show})`,
        );
      if (action === 'blocked' && undo !== 'empty')
        add('barrier-order', subject, `${step}: action blocked without an empty compensation (${show})`);
    }
    const reserveLeft = reserve === 'committed' && release !== 'committed';
    const labelLeft = label === 'committed' && unlabel !== 'committed';
    if (kind === 'succeeded') {
      if (reserve !== 'committed' || label !== 'committed')
        add('succeeded-complete', subject, `the saga succeeded but not every step committed (${show})`);
      if (release !== undefined || unlabel !== undefined)
        add('succeeded-complete', subject, `the saga succeeded but a compensation barrier exists (${show})`);
    }
    if ((kind === 'compensated' || kind === 'input refused') && (reserveLeft || labelLeft))
      add('compensated-exactly', subject, `a ${kind} saga left an effect (${show})`);
    if (hold.inputOverBudget) {
      if (kind === 'succeeded')
        add('input-budget', subject, `an input over maxInputBytes was accepted (${show})`);
      if (reserve === 'committed' || label === 'committed')
        add('input-budget', subject, `an input over maxInputBytes let a step commit (${show})`);
    }
    if (kind === 'input refused' && [reserve, release, label, unlabel].includes('committed'))
      add('input-budget', subject, `the saga refused its input after a step committed (${show})`);
    if (hold.resultOverBudget) {
      if (kind === 'succeeded')
        add('result-budget', subject, `a label over maxResultBytes let the saga succeed (${show})`);
      if (label === 'committed')
        add('result-budget', subject, `a label over maxResultBytes was committed (${show})`);
    }
    const blob = tables.item('BlobStore', `BLOB#${id}`, 'StoreLabel');
    if ((blob !== undefined) !== labelLeft)
      add('label-once', subject, `label item ${blob ? 'exists' : 'is absent'} (${show})`);
    if (reserveLeft) bump(stockLeft, hold.sku, kind === 'parked', hold.quantity);
    checkUndoRecord(tables, 'HoldOrder', id, hold, add);
  }
}

/** Stock is conserved over both sagas that reserve it: available + what succeeded or parked sagas hold. */
function checkStock(tables: Tables, setup: RunSetup, stockLeft: Left, add: Add): void {
  for (const [sku, initial] of Object.entries(setup.stock)) {
    const available = num(tables.item('Inventory', `SKU#${sku}`, 'STOCK')?.available);
    const left = stockLeft.get(sku) ?? { succeeded: 0, parked: 0 };
    if (available < 0) add('no-negative', `SKU#${sku}`, `available stock is ${available}`);
    if (available + left.succeeded + left.parked !== initial)
      add(
        'stock-conserved',
        `SKU#${sku}`,
        `initial ${initial} != available ${available} + consumed by succeeded sagas ${left.succeeded} + held by parked sagas ${left.parked}`,
      );
  }
}

function checkTransfer(
  tables: Tables,
  setup: RunSetup,
  outcomes: ReadonlyMap<string, ExecutionOutcome>,
  add: Add,
): void {
  const debit = new Map<string, { balance: number; held: number }>();
  const credit = new Map<string, { balance: number; pending: number }>();
  let parkedImbalance = 0;

  for (const transfer of setup.transfers) {
    const id = transfer.sagaId;
    const outcome = outcomes.get(instance('Transfer', id));
    const kind = outcome ? outcomeKind(outcome) : 'unexpected';
    const phases = (participant: ParticipantName, step: string) => ({
      try: tables.barrier(participant, 'Transfer', id, step, 'try'),
      confirm: tables.barrier(participant, 'Transfer', id, step, 'confirm'),
      cancel: tables.barrier(participant, 'Transfer', id, step, 'cancel'),
    });
    const d = phases('DebitAccounts', 'Debit');
    const c = phases('CreditAccounts', 'Credit');
    const show = `debit try=${d.try ?? '-'} confirm=${d.confirm ?? '-'} cancel=${d.cancel ?? '-'}; credit try=${c.try ?? '-'} confirm=${c.confirm ?? '-'} cancel=${c.cancel ?? '-'}`;

    for (const [participant, step, p] of [
      ['DebitAccounts', 'Debit', d],
      ['CreditAccounts', 'Credit', c],
    ] as const) {
      if ((p.confirm === 'committed' || p.cancel === 'committed') && p.try !== 'committed')
        add('barrier-order', id, `${step}: confirm or cancel committed without its try (${show})`);
      if (p.confirm === 'committed' && p.cancel === 'committed')
        add('barrier-order', id, `${step}: both confirm and cancel committed (${show})`);
      const marker = tables.item(participant, `RESERVATION#Transfer#${id}`, step);
      const status = marker?.status;
      if ((marker !== undefined) !== (p.try === 'committed'))
        add(
          'reservation',
          id,
          `${step}: reservation marker ${marker ? 'exists' : 'is absent'} but try is ${p.try ?? 'absent'}`,
        );
      else if (marker) {
        const settled =
          p.confirm === 'committed' ? 'confirmed' : p.cancel === 'committed' ? 'cancelled' : 'pending';
        if (status !== settled)
          add(
            'reservation',
            id,
            `${step}: reservation is ${String(status)} but the barriers say ${settled} (${show})`,
          );
        if (status === 'pending' && kind !== 'parked')
          add(
            'no-hanging-reservation',
            id,
            `${step}: reservation left pending by a ${kind} transfer (${show})`,
          );
      }
    }
    if (kind === 'succeeded') {
      for (const p of [d, c])
        if (p.try !== 'committed' || p.confirm !== 'committed' || p.cancel !== undefined)
          add(
            'succeeded-complete',
            id,
            `the transfer succeeded but its phases are not try+confirm (${show})`,
          );
    }
    if (kind === 'cancelled') {
      for (const p of [d, c]) {
        if (p.confirm === 'committed')
          add('cancelled-exactly', id, `a cancelled transfer confirmed (${show})`);
        if (p.try === 'committed' && p.cancel !== 'committed')
          add('cancelled-exactly', id, `a cancelled transfer left a try uncancelled (${show})`);
      }
    }
    const held = d.try === 'committed' && d.cancel !== 'committed';
    const debitEntry = debit.get(transfer.fromAccount) ?? { balance: 0, held: 0 };
    if (held) debitEntry.balance += transfer.amount;
    if (held && d.confirm !== 'committed') debitEntry.held += transfer.amount;
    debit.set(transfer.fromAccount, debitEntry);
    const creditEntry = credit.get(transfer.toAccount) ?? { balance: 0, pending: 0 };
    if (c.confirm === 'committed') creditEntry.balance += transfer.amount;
    if (c.try === 'committed' && c.confirm !== 'committed' && c.cancel !== 'committed')
      creditEntry.pending += transfer.amount;
    credit.set(transfer.toAccount, creditEntry);
    const imbalance =
      ((c.confirm === 'committed' ? 1 : 0) - (d.confirm === 'committed' ? 1 : 0)) * transfer.amount;
    if (imbalance !== 0 && kind !== 'parked')
      add('money-conserved', id, `a ${kind} transfer confirmed one side only (${show})`);
    if (kind === 'parked') parkedImbalance += imbalance;
  }

  let initialTotal = 0;
  let total = 0;
  for (const [account, initial] of Object.entries(setup.debitAccounts)) {
    const item = tables.item('DebitAccounts', `ACCOUNT#${account}`, 'BALANCE');
    const balance = num(item?.balance);
    const held = num(item?.held);
    const change = debit.get(account) ?? { balance: 0, held: 0 };
    initialTotal += initial;
    total += balance + held;
    if (balance < 0 || held < 0) add('no-negative', `ACCOUNT#${account}`, `balance ${balance}, held ${held}`);
    if (balance !== initial - change.balance || held !== change.held)
      add(
        'account-balance',
        `ACCOUNT#${account}`,
        `debit account: balance ${balance} (expected ${initial - change.balance}), held ${held} (expected ${change.held})`,
      );
  }
  for (const [account, initial] of Object.entries(setup.creditAccounts)) {
    const item = tables.item('CreditAccounts', `ACCOUNT#${account}`, 'BALANCE');
    const balance = num(item?.balance);
    const pending = num(item?.pendingCredit ?? 0);
    const change = credit.get(account) ?? { balance: 0, pending: 0 };
    initialTotal += initial;
    total += balance;
    if (balance < 0 || pending < 0)
      add('no-negative', `ACCOUNT#${account}`, `balance ${balance}, pending ${pending}`);
    if (balance !== initial + change.balance || pending !== change.pending)
      add(
        'account-balance',
        `ACCOUNT#${account}`,
        `credit account: balance ${balance} (expected ${initial + change.balance}), pending ${pending} (expected ${change.pending})`,
      );
  }
  if (setup.transfers.length > 0 && total !== initialTotal + parkedImbalance)
    add(
      'money-conserved',
      'transfers',
      `debit balance + held + credit balance is ${total}, expected ${initialTotal}${parkedImbalance ? ` + ${parkedImbalance} from parked transfers` : ''}`,
    );
}

/** Every committed phase that emits wrote its event exactly once; nothing else wrote one. */
function checkOutbox(snapshot: CampaignSnapshot, tables: Tables, setup: RunSetup, add: Add): void {
  const sagas = new Set([
    ...setup.orders.map((o) => o.sagaId),
    ...setup.transfers.map((t) => t.sagaId),
    ...setup.trips.map((t) => t.sagaId),
  ]);
  const found = new Map<string, number>();
  for (const [participant, items] of Object.entries(snapshot.tables)) {
    for (const item of items) {
      if (item.itemType !== 'outbox' || !sagas.has(String(item.sagaId))) continue;
      const key = `${participant}|${String(item.sagaName)}|${String(item.sagaId)}|${String(item.step)}|${String(item.eventType)}`;
      found.set(key, (found.get(key) ?? 0) + 1);
    }
  }
  const expected = new Map<string, number>();
  const expect = (
    participant: ParticipantName,
    saga: WorkloadName,
    sagaId: string,
    step: string,
    phase: string,
  ) => {
    const eventType = EMITTED_EVENTS[`${step}#${phase}`];
    if (eventType && tables.committed(participant, saga, sagaId, step, phase))
      expected.set(`${participant}|${saga}|${sagaId}|${step}|${eventType}`, 1);
  };
  for (const { sagaId } of setup.orders) {
    for (const phase of ['action', 'compensation']) {
      expect('Inventory', 'PlaceOrder', sagaId, 'ReserveInventory', phase);
      expect('Payment', 'PlaceOrder', sagaId, 'ChargePayment', phase);
    }
    expect('Shipping', 'PlaceOrder', sagaId, 'ShipOrder', 'action');
  }
  for (const { sagaId } of setup.holds)
    for (const phase of ['action', 'compensation'])
      expect('Inventory', 'HoldOrder', sagaId, 'ReserveInventory', phase);
  for (const { sagaId } of setup.transfers) {
    expect('DebitAccounts', 'Transfer', sagaId, 'Debit', 'confirm');
    expect('CreditAccounts', 'Transfer', sagaId, 'Credit', 'confirm');
  }
  for (const { sagaId } of setup.trips) {
    for (const phase of ['action', 'compensation']) {
      expect('Hotel', 'BookTrip', sagaId, 'BookHotel', phase);
      expect('Flight', 'BookTrip', sagaId, 'BookFlight', phase);
    }
    expect('TripPayment', 'BookTrip', sagaId, 'AuthorizePayment', 'action');
    expect('Itinerary', 'BookTrip', sagaId, 'ConfirmTrip', 'action');
  }
  for (const key of new Set([...found.keys(), ...expected.keys()])) {
    const [participant, saga, sagaId, step, eventType] = key.split('|');
    const count = found.get(key) ?? 0;
    const want = expected.get(key) ?? 0;
    if (count !== want)
      add(
        'outbox-once',
        `${saga} ${sagaId}`,
        `${participant} has ${count} ${eventType} event(s) of step ${step}, expected ${want} (one per committed phase)`,
      );
  }
}

const OUTCOME_MESSAGE: Partial<Record<OutcomeKind, string>> = {
  succeeded: 'SagaSucceeded',
  compensated: 'SagaCompensated',
  parked: 'SagaParked',
};

/**
 * Every PlaceOrder outbox event reached the order-history inbox and was applied exactly once (the
 * summary's counters equal the sum over the events); every outcome was delivered to the outcome
 * log; nothing reached a dead-letter queue.
 */
function checkEventPath(
  snapshot: CampaignSnapshot,
  path: EventPathSnapshot,
  setup: RunSetup,
  outcomes: ReadonlyMap<string, ExecutionOutcome>,
  add: Add,
): void {
  const history = new Map(path.orderHistory.map((i) => [`${String(i.pk)}|${String(i.sk)}`, i]));
  const orders = new Map(setup.orders.map((o) => [o.sagaId, o]));
  // A HoldOrder's events carry its order's id too (same business id), with its own quantity.
  const holds = new Map(setup.holds.map((h) => [h.sagaId, h]));
  const perOrder = new Map<string, { events: number; reserved: number; charged: number }>();
  for (const participant of ['Inventory', 'Payment', 'Shipping'] as const) {
    for (const item of snapshot.tables[participant] ?? []) {
      const order = orders.get(String(item.sagaId));
      if (item.itemType !== 'outbox' || !order) continue;
      const quantity =
        item.sagaName === 'HoldOrder' ? (holds.get(order.sagaId)?.quantity ?? Number.NaN) : order.quantity;
      const eventId = String(item.eventId);
      if (!history.has(`INBOX#${eventId}|INBOX`))
        add(
          'event-delivered',
          order.sagaId,
          `${String(item.eventType)} event ${eventId} never reached the order-history inbox`,
        );
      if (!history.has(`ORDER#${order.sagaId}|EVENT#${eventId}`))
        add(
          'event-applied',
          order.sagaId,
          `${String(item.eventType)} event ${eventId} has no applied-event record`,
        );
      const entry = perOrder.get(order.sagaId) ?? { events: 0, reserved: 0, charged: 0 };
      entry.events += 1;
      if (item.eventType === 'StockReserved') entry.reserved += quantity;
      if (item.eventType === 'StockReleased') entry.reserved -= quantity;
      if (item.eventType === 'PaymentCharged') entry.charged += order.amount;
      if (item.eventType === 'PaymentRefunded') entry.charged -= order.amount;
      perOrder.set(order.sagaId, entry);
    }
  }
  for (const [sagaId, expected] of perOrder) {
    const summary = history.get(`ORDER#${sagaId}|SUMMARY`);
    const got = {
      events: num(summary?.eventCount),
      reserved: num(summary?.reserved),
      charged: num(summary?.charged),
    };
    if (
      got.events !== expected.events ||
      got.reserved !== expected.reserved ||
      got.charged !== expected.charged
    )
      add(
        'event-applied-once',
        sagaId,
        `order summary counts ${got.events} event(s), reserved ${got.reserved}, charged ${got.charged}; the outbox holds ${expected.events} event(s), reserved ${expected.reserved}, charged ${expected.charged}`,
      );
  }
  for (const item of path.orderHistory) {
    if (item.itemType === 'order-summary' && !perOrder.has(String(item.orderId)))
      add(
        'event-applied-once',
        String(item.orderId),
        'an order summary exists for an order whose participants wrote no event',
      );
  }
  const logged = new Map(path.outcomeLog.map((i) => [String(i.pk), i]));
  const statuses = new Map(path.notificationStatus.map((i) => [String(i.notificationId), i]));
  for (const order of setup.orders) {
    const outcome = outcomes.get(instance('PlaceOrder', order.sagaId));
    const want = outcome ? OUTCOME_MESSAGE[outcomeKind(outcome)] : undefined;
    if (!want || !outcome || !path.publishedOutcomes.includes(want)) continue;
    const record = logged.get(`SAGA#${order.sagaId}`);
    if (record) {
      if (record.outcome !== want)
        add(
          'outcome-delivered',
          order.sagaId,
          `the outcome log says ${String(record.outcome)}, the execution ended ${want}`,
        );
      continue;
    }
    // Not delivered yet is fine while a retry is scheduled; lost or dead-lettered is not.
    const status = statuses.get(outcome.executionArn);
    if (status?.state !== 'failed-attempt')
      add(
        'outcome-delivered',
        order.sagaId,
        `no ${want} outcome was delivered and ${status ? `its notification is ${String(status.state)}` : 'no delivery is pending'}`,
      );
  }
  for (const letter of path.deadLetters) {
    // An event whose deletes kept getting lost is dead-lettered after maxReceiveCount receives
    // although the inbox applied it: redriving it is harmless, and nothing was lost.
    const eventId = (letter as { eventId?: unknown } | null)?.eventId;
    if (typeof eventId === 'string' && history.has(`INBOX#${eventId}|INBOX`)) continue;
    add(
      'no-dead-letter',
      'event paths',
      `a message reached a dead-letter queue unapplied: ${JSON.stringify(letter).slice(0, 300)}`,
    );
  }
}

/** Items of sagas this run did not start: a write that landed after its run was checked. */
function checkStrays(snapshot: CampaignSnapshot, setup: RunSetup, add: Add): void {
  const sagas = new Set([
    ...setup.orders.map((o) => o.sagaId),
    ...setup.transfers.map((t) => t.sagaId),
    ...setup.trips.flatMap((t) => [t.sagaId, rentalOf(t.sagaId), `${rentalOf(t.sagaId)}-undo`]),
  ]);
  for (const [participant, items] of Object.entries(snapshot.tables)) {
    for (const item of items) {
      const sagaId = item.sagaId;
      if (typeof sagaId === 'string' && !sagas.has(sagaId))
        add(
          'late-write',
          sagaId,
          `${participant} holds ${String(item.pk)} / ${String(item.sk)} of a saga outside this run`,
        );
    }
  }
}

/** The execution name of a trip's RentCar child (Step Functions' SHA-256 of `<parent>/<step>`). */
export function rentalOf(tripId: string): string {
  return createHash('sha256').update(`${tripId}/RentCar`).digest('hex');
}

/** Failures on purpose after which a trip must not succeed (`BankTwice` answers, twice). */
const TRIP_REFUSALS = new Set(['BookHotel', 'BookFlight', 'RentCar', 'ConfirmTrip', 'Bank', 'BankSilent']);

/**
 * BookTrip: a succeeded trip holds all of hotel, flight, payment authorization, car and itinerary,
 * each once; a compensated one holds none: every booking that was made is cancelled exactly once,
 * the authorization voided once, the car (RentCar's child saga) returned once by ReturnCar or never
 * rented, the pivot never confirmed. The participants' own records must agree with their barriers
 * (a booking exists only after its action committed; its cancellation count is the number of
 * committed compensations, so an undo applied twice shows), and the bank's answers to a trip's
 * task token took effect at most once.
 */
function checkBookTrip(
  tables: Tables,
  setup: RunSetup,
  outcomes: ReadonlyMap<string, ExecutionOutcome>,
  add: Add,
): void {
  for (const trip of setup.trips) {
    const id = trip.sagaId;
    const subject = `BookTrip ${id}`;
    const outcome = outcomes.get(instance('BookTrip', id));
    const kind = outcome ? outcomeKind(outcome) : 'unexpected';
    const pk = `TRIP#${id}`;
    const rental = rentalOf(id);
    const st = (participant: ParticipantName, step: string, phase: string) =>
      tables.barrier(participant, 'BookTrip', id, step, phase);
    const b = {
      hotel: st('Hotel', 'BookHotel', 'action'),
      hotelUndo: st('Hotel', 'BookHotel', 'compensation'),
      flight: st('Flight', 'BookFlight', 'action'),
      flightUndo: st('Flight', 'BookFlight', 'compensation'),
      payment: st('TripPayment', 'AuthorizePayment', 'action'),
      paymentUndo: st('TripPayment', 'AuthorizePayment', 'compensation'),
      confirm: st('Itinerary', 'ConfirmTrip', 'action'),
      rent: tables.item('Cars', `BARRIER#RentCar#${rental}`, 'Rent#action')?.status,
      return: tables.item('Cars', `BARRIER#ReturnCar#${rental}-undo`, 'Return#action')?.status,
    };
    const show = Object.entries(b)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : '-'}`)
      .join(' ');

    for (const [step, action, undo] of [
      ['BookHotel', b.hotel, b.hotelUndo],
      ['BookFlight', b.flight, b.flightUndo],
      ['AuthorizePayment', b.payment, b.paymentUndo],
    ] as const) {
      if (undo === 'committed' && action !== 'committed')
        add(
          'barrier-order',
          subject,
          `${step}: compensation committed but the action is ${action ?? 'absent'} (${show})`,
        );
      if (action === 'blocked' && undo !== 'empty')
        add('barrier-order', subject, `${step}: action blocked without an empty compensation (${show})`);
    }

    // Each participant's record against its barriers: made once, undone once if at all.
    const hotel = tables.item('Hotel', pk, 'BOOKING');
    const flight = tables.item('Flight', pk, 'BOOKING');
    const payment = tables.item('TripPayment', pk, 'AUTHORIZATION');
    const car = tables.item('Cars', pk, 'CAR');
    const itinerary = tables.item('Itinerary', pk, 'BOOKING');
    const held = (
      name: string,
      record: Item | undefined,
      action: string | undefined,
      undo: string | undefined,
      counter: string,
      undone: string,
    ): boolean => {
      const made = action === 'committed';
      const undoneOnce = undo === 'committed';
      if ((record !== undefined) !== made) {
        add(
          'trip-record',
          subject,
          `${name} record ${record ? 'exists' : 'is absent'} but its action is ${action ?? 'absent'} (${show})`,
        );
        return record !== undefined && record.status !== undone;
      }
      if (!record) return false;
      const count = num(record[counter]);
      if (count !== (undoneOnce ? 1 : 0) || (record.status === undone) !== undoneOnce)
        add(
          'undone-once',
          subject,
          `${name} is ${String(record.status)} with ${counter} ${count}, but its compensation is ${undo ?? 'absent'} (${show})`,
        );
      return record.status !== undone;
    };
    const holds = {
      hotel: held('hotel booking', hotel, b.hotel, b.hotelUndo, 'cancellations', 'cancelled'),
      flight: held('flight booking', flight, b.flight, b.flightUndo, 'cancellations', 'cancelled'),
      payment: held('payment authorization', payment, b.payment, b.paymentUndo, 'voids', 'voided'),
      itinerary: held('itinerary', itinerary, b.confirm, undefined, 'cancellations', 'cancelled'),
      car: false,
    };
    // The car: rented by the RentCar child, returned by the ReturnCar saga. A ReturnCar for a car
    // never rented leaves a returned record without a rental, which holds nothing.
    const rented = b.rent === 'committed';
    const returned = b.return === 'committed';
    if (returned && !rented && car?.rentalSaga !== undefined)
      add(
        'trip-record',
        subject,
        `the car was returned without a committed rental, yet it names rental ${String(car.rentalSaga)} (${show})`,
      );
    if (rented && car?.rentalSaga !== rental)
      add(
        'trip-record',
        subject,
        `RentCar committed but the car record names rental ${String(car?.rentalSaga)} (${show})`,
      );
    if (!rented && !returned && car !== undefined)
      add(
        'trip-record',
        subject,
        `a car record exists but neither RentCar nor ReturnCar committed (${show})`,
      );
    if (car) {
      const returns = num(car.returns);
      if (returns !== (returned ? 1 : 0) || (car.status === 'returned') !== returned)
        add(
          'undone-once',
          subject,
          `the car is ${String(car.status)} with returns ${returns}, but ReturnCar is ${b.return ?? 'absent'} (${show})`,
        );
      holds.car = car.status === 'rented';
    }

    const taken = Object.entries(holds)
      .filter(([, h]) => h)
      .map(([k]) => k);
    if (kind === 'succeeded') {
      if (taken.length !== 5)
        add(
          'trip-complete',
          subject,
          `the trip succeeded but holds only ${taken.join(', ') || 'nothing'} (${show})`,
        );
      if (trip.failAt && TRIP_REFUSALS.has(trip.failAt))
        add(
          'trip-complete',
          subject,
          `the trip succeeded although it was set to fail at ${trip.failAt} (${show})`,
        );
    }
    if (kind === 'compensated' && taken.length > 0)
      add(
        'trip-compensated',
        subject,
        `the trip was compensated but still holds ${taken.join(', ')} (${show})`,
      );
    if (kind !== 'succeeded' && kind !== 'parked' && b.confirm === 'committed')
      add('trip-compensated', subject, `a ${kind} trip confirmed its itinerary, the pivot (${show})`);

    // The bank may answer twice or too late; at most one answer may take effect, and a trip that
    // went on past AuthorizePayment had one.
    const answers = tables.item('Bank', pk, 'ANSWERS')?.answers;
    const effective = Array.isArray(answers) ? answers.filter((a) => a === 'answered').length : 0;
    if (effective > 1)
      add(
        'callback-once',
        subject,
        `the bank's answers ${JSON.stringify(answers)} took effect ${effective} times`,
      );
    if (kind === 'succeeded' && effective !== 1)
      add(
        'callback-once',
        subject,
        `the trip succeeded but the bank's answers are ${JSON.stringify(answers ?? null)}`,
      );
  }
}
