import { createHash } from 'node:crypto';
import { App, Duration } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { BookTripStack } from '../../workflows/book-trip.js';
import { engineClients, eventually, getItem, historyOf } from '../support/local-cloud.js';

const local = useLocalCloud(
  () => {
    const app = new App();
    // A short wait for the bank, so that the timeout path runs in seconds (long enough for cold starts of
    // the relay and the bank on a busy machine).
    new BookTripStack(app, 'StepsagaBookTrip', { paymentAnswerTimeout: Duration.seconds(15) });
    return app;
  },
  { retryIntervalDivisor: 50, synthCache: { name: 'workflows/book-trip.ts' } },
);

const table = (participant: string) => local.cloud.resources.find(`${participant}/Table`, 'table').name;
const item = async (participant: string, tripId: string, sk: string) =>
  getItem(engineClients(local.cloud).dynamodb, table(participant), `TRIP#${tripId}`, sk);

const bookTrip = async (tripId: string, failAt?: string) => {
  const saga = local.cloud.resources.find('BookTrip', 'stateMachine');
  const input = { tripId, customerId: 'alice', amount: 42_000, ...(failAt ? { failAt } : {}) };
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: saga.arn,
    name: tripId,
    input: JSON.stringify(input),
  })) as { executionArn: string };
  const done = await waitForExecution(local.cloud, executionArn, 60_000);
  const entered = (await historyOf(local.cloud, executionArn))
    .filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
  return { executionArn, done, entered };
};

/** What each participant holds for the trip: status and how often it was undone. */
const state = async (tripId: string) => ({
  hotel: (await item('Hotel', tripId, 'BOOKING'))?.['status']?.S,
  hotelCancellations: (await item('Hotel', tripId, 'BOOKING'))?.['cancellations']?.N,
  flight: (await item('Flight', tripId, 'BOOKING'))?.['status']?.S,
  flightCancellations: (await item('Flight', tripId, 'BOOKING'))?.['cancellations']?.N,
  payment: (await item('TripPayment', tripId, 'AUTHORIZATION'))?.['status']?.S,
  paymentVoids: (await item('TripPayment', tripId, 'AUTHORIZATION'))?.['voids']?.N,
  car: (await item('Cars', tripId, 'CAR'))?.['status']?.S,
  carReturns: (await item('Cars', tripId, 'CAR'))?.['returns']?.N,
  itinerary: (await item('Itinerary', tripId, 'BOOKING'))?.['status']?.S,
});

const childName = (parent: string, step: string) =>
  createHash('sha256').update(`${parent}/${step}`).digest('hex');

describe('BookTrip saga on the local cloud (parallel group, callback step, child saga)', () => {
  it('books hotel and flight at once, waits for the bank, rents the car through its own saga, confirms', async () => {
    const { done, entered } = await bookTrip('trip-ok');
    expect([done.status, done.error, done.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(await state('trip-ok')).toEqual({
      hotel: 'booked',
      hotelCancellations: '0',
      flight: 'booked',
      flightCancellations: '0',
      payment: 'requested',
      paymentVoids: '0',
      car: 'rented',
      carReturns: '0',
      itinerary: 'booked',
    });
    const output = JSON.parse(String(done.output)) as { results: Record<string, unknown> };
    expect(output.results['AuthorizePayment']).toEqual({ authorizationId: 'AUTH-trip-ok' });
    expect(output.results['RentCar']).toMatchObject({ results: { Rent: { car: 'CAR-trip-ok' } } });
    expect(entered).toEqual([
      'BookTravel',
      expect.stringMatching(/^Book(Hotel|Flight)$/),
      expect.stringMatching(/^Book(Hotel|Flight)$/),
      'AuthorizePayment',
      'RentCar',
      'ConfirmTrip',
      'SagaSucceeded',
    ]);
    // The child ran once, under the name derived from the parent's saga id and the step.
    const car = await item('Cars', 'trip-ok', 'CAR');
    expect(car?.['rentalSaga']?.S).toBe(childName('trip-ok', 'RentCar'));
  });

  it('compensates both branches, each once, when the hotel refuses', async () => {
    const { done } = await bookTrip('trip-hotel', 'BookHotel');
    expect(done.error).toBe('SagaCompensated');
    const s = await state('trip-hotel');
    // The hotel never booked (its compensation found nothing); the flight booked and was cancelled once.
    expect([s.hotel, s.flight, s.flightCancellations]).toEqual([undefined, 'cancelled', '1']);
    expect([s.payment, s.car, s.itinerary]).toEqual([undefined, undefined, undefined]);
  });

  it('blocks a flight booking that commits late, after the group failed and compensated it', async () => {
    const flight = local.cloud.resources.find('Flight/Function', 'function');
    const lateMs = 6_000;
    // The flight's action starts late: the hotel refuses at once, the Parallel fails, and the
    // flight's compensation runs before the flight's action has done anything.
    const delay = local.cloud.faults.inject({
      kind: 'delay',
      ms: lateMs,
      function: flight.name,
      sagaId: 'trip-late',
      step: 'BookFlight',
      phase: 'action',
    });
    try {
      const { done } = await bookTrip('trip-late', 'BookHotel');
      expect(done.error).toBe('SagaCompensated');
      const barrier = (phase: 'action' | 'compensation') =>
        getItem(
          engineClients(local.cloud).dynamodb,
          table('Flight'),
          'BARRIER#BookTrip#trip-late',
          `BookFlight#${phase}`,
        );
      // The compensation came first: it recorded itself as empty and blocked the action's key.
      expect((await barrier('compensation'))?.['status']?.S).toBe('empty');
      expect((await barrier('action'))?.['status']?.S).toBe('blocked');
      // Then the late action runs, finds its key blocked and commits nothing: no booking, ever.
      const [fired] = await eventually(async () => {
        const delays = local.cloud.faults.injected((f) => f.kind === 'delay' && f.sagaId === 'trip-late');
        return delays.length > 0 ? delays : undefined;
      });
      const settled = (fired?.at ?? Date.now()) + lateMs + 2_000 - Date.now();
      if (settled > 0) await new Promise((resolve) => setTimeout(resolve, settled));
      expect((await barrier('action'))?.['status']?.S).toBe('blocked');
      expect(await state('trip-late')).toMatchObject({ hotel: undefined, flight: undefined });
    } finally {
      delay.remove();
    }
  });

  it('compensates the payment and both bookings when the bank declines', async () => {
    const { done } = await bookTrip('trip-declined', 'Bank');
    expect(done.error).toBe('SagaCompensated');
    expect(JSON.parse(String(done.cause))).toMatchObject({
      AuthorizePayment: { Error: 'SagaBusinessError' },
    });
    const s = await state('trip-declined');
    expect(s).toMatchObject({
      hotelCancellations: '1',
      flightCancellations: '1',
      payment: 'voided',
      paymentVoids: '1',
      car: undefined,
    });
  });

  it('compensates like a refusal when the bank never answers before the timeout', async () => {
    const { done } = await bookTrip('trip-silent', 'BankSilent');
    expect(done.error).toBe('SagaCompensated');
    expect(JSON.parse(String(done.cause))).toMatchObject({ AuthorizePayment: { Error: 'States.Timeout' } });
    expect(await state('trip-silent')).toMatchObject({
      hotelCancellations: '1',
      flightCancellations: '1',
      payment: 'voided',
      paymentVoids: '1',
    });
  });

  it('ignores a repeated bank answer: the second is already-closed and the trip goes on once', async () => {
    const { done } = await bookTrip('trip-twice', 'BankTwice');
    expect(done.status).toBe('SUCCEEDED');
    const answers = await eventually(async () => item('Bank', 'trip-twice', 'ANSWERS'));
    expect(answers?.['answers']?.L?.map((a) => a.S)).toEqual(['answered', 'already-closed']);
    expect(await state('trip-twice')).toMatchObject({
      payment: 'requested',
      car: 'rented',
      itinerary: 'booked',
    });
  });

  it('compensates only the steps before the child when the child saga fails (it undid itself)', async () => {
    const { done } = await bookTrip('trip-nocar', 'RentCar');
    expect(done.error).toBe('SagaCompensated');
    expect(await state('trip-nocar')).toMatchObject({
      hotelCancellations: '1',
      flightCancellations: '1',
      paymentVoids: '1',
      car: undefined,
      carReturns: undefined,
    });
  });

  it('undoes the child as a unit with the ReturnCar saga, once, when the pivot after it refuses', async () => {
    const { done, entered } = await bookTrip('trip-noconfirm', 'ConfirmTrip');
    expect(done.error).toBe('SagaCompensated');
    expect(entered.slice(-5)).toEqual([
      'Compensate RentCar',
      'Compensate AuthorizePayment',
      'Compensate BookFlight',
      'Compensate BookHotel',
      'SagaCompensated',
    ]);
    const s = await state('trip-noconfirm');
    expect(s).toMatchObject({
      car: 'returned',
      carReturns: '1',
      paymentVoids: '1',
      hotelCancellations: '1',
      flightCancellations: '1',
      itinerary: undefined,
    });
    const car = await item('Cars', 'trip-noconfirm', 'CAR');
    expect(car?.['returnedFor']?.S).toBe(childName('trip-noconfirm', 'RentCar'));
  });

  it('answers a repeated start of a running child with the same execution (one child per parent step)', async () => {
    // What a retried RentCar Task sends: the same derived name and input while the child still runs.
    const rentCar = local.cloud.resources.find('RentCar', 'stateMachine');
    const request = {
      stateMachineArn: rentCar.arn,
      name: childName('trip-direct', 'RentCar'),
      input: JSON.stringify({ tripId: 'trip-direct', customerId: 'alice', amount: 1 }),
    };
    const first = (await local.cloud.stepFunctions.call('StartExecution', request)) as {
      executionArn: string;
    };
    const again = (await local.cloud.stepFunctions.call('StartExecution', request).catch((e: Error) => e)) as
      | { executionArn: string }
      | Error;
    await waitForExecution(local.cloud, first.executionArn);
    // Same name and input while running: the same execution; once it ended: refused, never a second child.
    if (again instanceof Error) expect((again as { code?: string }).code).toBe('ExecutionAlreadyExists');
    else expect(again.executionArn).toBe(first.executionArn);
    const afterEnd = await local.cloud.stepFunctions.call('StartExecution', request).catch((e: Error) => e);
    expect((afterEnd as { code?: string }).code).toBe('ExecutionAlreadyExists');
    expect(await item('Cars', 'trip-direct', 'CAR')).toMatchObject({ returns: { N: '0' } });
  });
});
