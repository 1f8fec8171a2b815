import { describe, expect, it } from 'vitest';
import { type CampaignSnapshot, checkInvariants, type Item, type RunSetup } from '../campaign/invariants.js';

// The invariant checker on hand-made snapshots (no cloud): a correct run passes, and each kind of
// corruption is named.
const setup: RunSetup = {
  orders: [{ sagaId: 'o1', sku: 'S', customerId: 'C', quantity: 2, amount: 100 }],
  transfers: [{ sagaId: 't1', fromAccount: 'A', toAccount: 'P', amount: 30 }],
  stock: { S: 10 },
  balances: { C: 500 },
  debitAccounts: { A: 100 },
  creditAccounts: { P: 0 },
};
const barrier = (sagaId: string, sk: string, status = 'committed'): Item => ({
  pk: `BARRIER#${/^(Debit|Credit)#/.test(sk) ? 'Transfer' : 'PlaceOrder'}#${sagaId}`,
  sk,
  itemType: 'barrier',
  status,
  sagaId,
});
const outbox = (sagaId: string, step: string, eventType: string, id: string): Item => ({
  pk: `OUTBOX#${id}`,
  sk: 'OUTBOX',
  itemType: 'outbox',
  sagaId,
  step,
  eventType,
  eventId: id,
});
const reservation = (sagaId: string, step: string, status: string): Item => ({
  pk: `RESERVATION#Transfer#${sagaId}`,
  sk: step,
  itemType: 'tcc-reservation',
  status,
  sagaId,
});

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type EditableSnapshot = Mutable<CampaignSnapshot> & { tables: Mutable<CampaignSnapshot['tables']> };

function succeededRun(): EditableSnapshot {
  return {
    tables: {
      Inventory: [
        { pk: 'SKU#S', sk: 'STOCK', available: 8 },
        barrier('o1', 'ReserveInventory#action'),
        outbox('o1', 'ReserveInventory', 'StockReserved', 'e1'),
      ],
      Payment: [
        { pk: 'ACCOUNT#C', sk: 'BALANCE', balance: 400 },
        barrier('o1', 'ChargePayment#action'),
        outbox('o1', 'ChargePayment', 'PaymentCharged', 'e2'),
      ],
      Shipping: [
        { pk: 'ORDER#o1', sk: 'SHIPMENT', sagaId: 'o1' },
        barrier('o1', 'ShipOrder#action'),
        outbox('o1', 'ShipOrder', 'OrderShipped', 'e3'),
      ],
      DebitAccounts: [
        { pk: 'ACCOUNT#A', sk: 'BALANCE', balance: 70, held: 0 },
        barrier('t1', 'Debit#try'),
        barrier('t1', 'Debit#confirm'),
        reservation('t1', 'Debit', 'confirmed'),
        outbox('t1', 'Debit', 'TransferDebited', 'e4'),
      ],
      CreditAccounts: [
        { pk: 'ACCOUNT#P', sk: 'BALANCE', balance: 30, pendingCredit: 0 },
        barrier('t1', 'Credit#try'),
        barrier('t1', 'Credit#confirm'),
        reservation('t1', 'Credit', 'confirmed'),
        outbox('t1', 'Credit', 'TransferCredited', 'e5'),
      ],
    },
    executions: [
      { workload: 'PlaceOrder', sagaId: 'o1', executionArn: 'arn:o1', status: 'SUCCEEDED' },
      { workload: 'Transfer', sagaId: 't1', executionArn: 'arn:t1', status: 'SUCCEEDED' },
    ],
    parked: [],
  };
}

const names = (snapshot: CampaignSnapshot) => checkInvariants(snapshot, setup).map((v) => v.invariant);

describe('campaign invariant checker', () => {
  it('passes a run where every saga succeeded and every sum adds up', () => {
    expect(checkInvariants(succeededRun(), setup)).toEqual([]);
  });

  it('names stock applied twice by a duplicate that slipped past the barrier', () => {
    const run = succeededRun();
    (run.tables.Inventory as Item[])[0] = { pk: 'SKU#S', sk: 'STOCK', available: 6 };
    expect(checkInvariants(run, setup)).toEqual([
      {
        invariant: 'stock-conserved',
        subject: 'SKU#S',
        detail: 'initial 10 != available 6 + consumed by succeeded orders 2 + held by parked orders 0',
      },
    ]);
  });

  it('names a compensated saga that kept its charge and a missing outbox event', () => {
    const run = succeededRun();
    run.executions = [
      {
        workload: 'PlaceOrder',
        sagaId: 'o1',
        executionArn: 'arn:o1',
        status: 'FAILED',
        error: 'SagaCompensated',
      },
      run.executions[1]!,
    ];
    run.tables.Shipping = [];
    (run.tables.Inventory as Item[]).push(barrier('o1', 'ReserveInventory#compensation'));
    (run.tables.Inventory as Item[])[0] = { pk: 'SKU#S', sk: 'STOCK', available: 10 };
    expect(names(run)).toEqual(['compensated-exactly', 'no-effect-left', 'outbox-once']);
  });

  it('names a parked saga without its parked message and a cancelled transfer that confirmed', () => {
    const run = succeededRun();
    run.executions = [
      { workload: 'PlaceOrder', sagaId: 'o1', executionArn: 'arn:o1', status: 'FAILED', error: 'SagaParked' },
      {
        workload: 'Transfer',
        sagaId: 't1',
        executionArn: 'arn:t1',
        status: 'FAILED',
        error: 'SagaCancelled',
      },
    ];
    expect(names(run)).toEqual(['parked-message', ...Array(4).fill('cancelled-exactly')]);
  });

  it('names an execution that ended neither succeeded, compensated nor parked', () => {
    const run = succeededRun();
    run.executions = [
      {
        workload: 'PlaceOrder',
        sagaId: 'o1',
        executionArn: 'arn:o1',
        status: 'FAILED',
        error: 'States.Runtime',
      },
      run.executions[1]!,
    ];
    expect(checkInvariants(run, setup)[0]).toMatchObject({
      invariant: 'execution-ends',
      subject: 'o1',
      detail: 'PlaceOrder ended FAILED (States.Runtime); expected SUCCEEDED, SagaCompensated or SagaParked',
    });
  });
});
