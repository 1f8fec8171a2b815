import { describe, expect, it } from 'vitest';
import {
  type CampaignSnapshot,
  checkInvariants,
  type Item,
  type RunSetup,
  rentalOf,
} from '../campaign/invariants.js';

// The invariant checker on hand-made snapshots (no cloud): a correct run passes, and each kind of
// corruption is named.
const setup: RunSetup = {
  orders: [{ sagaId: 'o1', sku: 'S', customerId: 'C', quantity: 2, amount: 100 }],
  holds: [],
  transfers: [{ sagaId: 't1', fromAccount: 'A', toAccount: 'P', amount: 30 }],
  trips: [],
  stock: { S: 10 },
  balances: { C: 500 },
  debitAccounts: { A: 100 },
  creditAccounts: { P: 0 },
};
const sagaOf = (sk: string) => (/^(Debit|Credit)#/.test(sk) ? 'Transfer' : 'PlaceOrder');
const barrier = (
  sagaId: string,
  sk: string,
  status = 'committed',
  saga = sagaOf(sk),
  result?: unknown,
): Item => ({
  pk: `BARRIER#${saga}#${sagaId}`,
  sk,
  itemType: 'barrier',
  status,
  sagaId,
  sagaName: saga,
  ...(result === undefined ? {} : { result: JSON.stringify(result) }),
});
const outbox = (
  sagaId: string,
  step: string,
  eventType: string,
  id: string,
  saga = sagaOf(`${step}#`),
): Item => ({
  pk: `OUTBOX#${id}`,
  sk: 'OUTBOX',
  itemType: 'outbox',
  sagaId,
  sagaName: saga,
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
      BlobStore: [],
      Hotel: [],
      Flight: [],
      TripPayment: [],
      Itinerary: [],
      Cars: [],
      Bank: [],
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
        detail: 'initial 10 != available 6 + consumed by succeeded sagas 2 + held by parked sagas 0',
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
    (run.tables.Inventory as Item[]).push(
      barrier('o1', 'ReserveInventory#compensation', 'committed', 'PlaceOrder', { sku: 'S', released: 2 }),
    );
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
      subject: 'PlaceOrder o1',
      detail: 'PlaceOrder ended FAILED (States.Runtime); expected SUCCEEDED, SagaCompensated or SagaParked',
    });
  });

  describe('a HoldOrder sharing the order id, the Inventory participant and the step name', () => {
    const hold = {
      sagaId: 'o1',
      sku: 'S',
      customerId: 'C',
      quantity: 3,
      amount: 100,
      inputBytes: 100,
      resultBytes: 27,
      inputOverBudget: false,
      resultOverBudget: false,
    };
    const withHold = { ...setup, holds: [hold] };
    const holdExecution = (status: string, error?: string) => ({
      workload: 'HoldOrder' as const,
      sagaId: 'o1',
      executionArn: 'arn:hold-o1',
      status,
      ...(error ? { error } : {}),
    });
    /** The order succeeded; the hold reserved 3, its label failed, and it released its 3. */
    function compensatedHold(released: unknown = { sku: 'S', released: 3 }): EditableSnapshot {
      const run = succeededRun();
      (run.tables.Inventory as Item[]).push(
        barrier('o1', 'ReserveInventory#action', 'committed', 'HoldOrder'),
        barrier('o1', 'ReserveInventory#compensation', 'committed', 'HoldOrder', released),
        outbox('o1', 'ReserveInventory', 'StockReserved', 'h1', 'HoldOrder'),
        outbox('o1', 'ReserveInventory', 'StockReleased', 'h2', 'HoldOrder'),
      );
      run.tables.BlobStore = [
        barrier('o1', 'StoreLabel#action', 'blocked', 'HoldOrder'),
        barrier('o1', 'StoreLabel#compensation', 'empty', 'HoldOrder'),
      ];
      run.executions = [...run.executions, holdExecution('FAILED', 'SagaCompensated')];
      return run;
    }

    it('passes when each saga instance is judged by its own barriers', () => {
      expect(checkInvariants(compensatedHold(), withHold)).toEqual([]);
    });

    it("names a compensation that undid the other saga's reservation", () => {
      expect(checkInvariants(compensatedHold({ sku: 'S', released: 2 }), withHold)).toEqual([
        {
          invariant: 'no-cross-talk',
          subject: 'HoldOrder o1',
          detail:
            'ReserveInventory\'s compensation released {"sku":"S","released":2}, but this saga reserved 3 of S',
        },
      ]);
    });

    it("names a StockReleased event counted against the other saga's instance", () => {
      const run = compensatedHold();
      (run.tables.Inventory as Item[]).push(
        outbox('o1', 'ReserveInventory', 'StockReleased', 'x', 'PlaceOrder'),
      );
      expect(checkInvariants(run, withHold)).toMatchObject([
        { invariant: 'outbox-once', subject: 'PlaceOrder o1' },
      ]);
    });

    it('names an input over the budget that let a step commit, and an in-budget input refused', () => {
      const run = compensatedHold();
      expect(checkInvariants(run, withHold)).toEqual([]);
      const over = { ...withHold, holds: [{ ...hold, inputOverBudget: true }] };
      expect(checkInvariants(run, over).map((v) => v.invariant)).toEqual(['input-budget']);
      const refused = succeededRun();
      refused.executions = [...refused.executions, holdExecution('FAILED', 'SagaInputInvalid')];
      expect(checkInvariants(refused, withHold).map((v) => v.invariant)).toEqual(['input-budget']);
      expect(checkInvariants(refused, over)).toEqual([]);
    });

    it('names a label over its result budget that committed and was left', () => {
      const run = compensatedHold();
      run.tables.BlobStore = [
        barrier('o1', 'StoreLabel#action', 'committed', 'HoldOrder'),
        { pk: 'BLOB#o1', sk: 'StoreLabel', itemType: 'blob' },
      ];
      const over = { ...withHold, holds: [{ ...hold, resultOverBudget: true }] };
      expect(checkInvariants(run, over).map((v) => v.invariant)).toEqual([
        'compensated-exactly',
        'result-budget',
      ]);
    });
  });
  describe('BookTrip', () => {
    const withTrip = { ...setup, trips: [{ sagaId: 'b1', customerId: 'C', amount: 900 }] };
    const car = rentalOf('b1');
    const tripBarrier = (sk: string, status = 'committed') => barrier('b1', sk, status, 'BookTrip');
    const tripEvent = (step: string, eventType: string, id: string) =>
      outbox('b1', step, eventType, id, 'BookTrip');
    const booking = (status: string, cancellations: number) => ({
      pk: 'TRIP#b1',
      sk: 'BOOKING',
      status,
      cancellations,
    });
    const tripExecution = (status: string, error?: string) => ({
      workload: 'BookTrip' as const,
      sagaId: 'b1',
      executionArn: 'arn:b1',
      status,
      ...(error ? { error } : {}),
    });
    /** Hotel, flight and payment made; the car rented by its child saga; the pivot refused, so all undone. */
    function compensatedTrip(): EditableSnapshot {
      const run = succeededRun();
      run.tables.Hotel = [
        booking('cancelled', 1),
        tripBarrier('BookHotel#action'),
        tripBarrier('BookHotel#compensation'),
        tripEvent('BookHotel', 'HotelBooked', 'b-e1'),
        tripEvent('BookHotel', 'HotelCancelled', 'b-e2'),
      ];
      run.tables.Flight = [
        booking('cancelled', 1),
        tripBarrier('BookFlight#action'),
        tripBarrier('BookFlight#compensation'),
        tripEvent('BookFlight', 'FlightBooked', 'b-e3'),
        tripEvent('BookFlight', 'FlightCancelled', 'b-e4'),
      ];
      run.tables.TripPayment = [
        { pk: 'TRIP#b1', sk: 'AUTHORIZATION', status: 'voided', voids: 1 },
        tripBarrier('AuthorizePayment#action'),
        tripBarrier('AuthorizePayment#compensation'),
        tripEvent('AuthorizePayment', 'AuthorizationRequested', 'b-e5'),
      ];
      run.tables.Itinerary = [
        tripBarrier('ConfirmTrip#action', 'blocked'),
        tripBarrier('ConfirmTrip#compensation', 'empty'),
      ];
      run.tables.Cars = [
        { pk: 'TRIP#b1', sk: 'CAR', status: 'returned', rentalSaga: car, returns: 1, returnedFor: car },
        barrier(car, 'Rent#action', 'committed', 'RentCar'),
        barrier(`${car}-undo`, 'Return#action', 'committed', 'ReturnCar'),
      ];
      run.tables.Bank = [{ pk: 'TRIP#b1', sk: 'ANSWERS', answers: ['answered'] }];
      run.executions = [...run.executions, tripExecution('FAILED', 'SagaCompensated')];
      return run;
    }

    it('passes a trip compensated with each booking cancelled once and its car returned once', () => {
      expect(checkInvariants(compensatedTrip(), withTrip)).toEqual([]);
    });

    it('names a cancellation applied twice, a car kept by a compensated trip, and a callback answered twice', () => {
      const run = compensatedTrip();
      (run.tables.Hotel as Item[])[0] = booking('cancelled', 2);
      (run.tables.Cars as Item[])[0] = {
        pk: 'TRIP#b1',
        sk: 'CAR',
        status: 'rented',
        rentalSaga: car,
        returns: 0,
      };
      run.tables.Cars = (run.tables.Cars as Item[]).filter((i) => i.sk !== 'Return#action');
      run.tables.Bank = [{ pk: 'TRIP#b1', sk: 'ANSWERS', answers: ['answered', 'answered'] }];
      expect(checkInvariants(run, withTrip).map((v) => v.invariant)).toEqual([
        'undone-once',
        'trip-compensated',
        'callback-once',
      ]);
    });

    it('names a succeeded trip that misses its car, and a booking event written twice', () => {
      const run = compensatedTrip();
      run.tables.Hotel = [
        booking('booked', 0),
        tripBarrier('BookHotel#action'),
        tripEvent('BookHotel', 'HotelBooked', 'b-e1'),
        tripEvent('BookHotel', 'HotelBooked', 'b-e1b'),
      ];
      run.tables.Flight = [
        booking('booked', 0),
        tripBarrier('BookFlight#action'),
        tripEvent('BookFlight', 'FlightBooked', 'b-e3'),
      ];
      run.tables.TripPayment = [
        { pk: 'TRIP#b1', sk: 'AUTHORIZATION', status: 'requested', voids: 0 },
        tripBarrier('AuthorizePayment#action'),
        tripEvent('AuthorizePayment', 'AuthorizationRequested', 'b-e5'),
      ];
      run.tables.Itinerary = [
        booking('booked', 0),
        tripBarrier('ConfirmTrip#action'),
        tripEvent('ConfirmTrip', 'ItineraryBooked', 'b-e6'),
      ];
      run.tables.Cars = [];
      run.executions = [
        ...run.executions.filter((e) => e.workload !== 'BookTrip'),
        tripExecution('SUCCEEDED'),
      ];
      expect(checkInvariants(run, withTrip).map((v) => v.invariant)).toEqual([
        'trip-complete',
        'outbox-once',
      ]);
      (run.tables.Hotel as Item[]).pop();
      run.tables.Cars = [
        { pk: 'TRIP#b1', sk: 'CAR', status: 'rented', rentalSaga: car, returns: 0 },
        barrier(car, 'Rent#action', 'committed', 'RentCar'),
      ];
      expect(checkInvariants(run, withTrip)).toEqual([]);
    });
  });
});
