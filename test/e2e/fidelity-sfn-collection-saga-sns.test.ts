import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/index.js';
import { receiveMessages, useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, historyOf } from '../support/local-cloud.js';
import { buildSnsSagaSample } from './fidelity/sfn-collection-saga-sns/stack.js';

// A public sample this project did not write; see fidelity/sfn-collection-saga-sns/README.md for its
// origin, licence, what the port changed and why each outcome below is what AWS gives.
const local = useLocalCloud(() => buildSnsSagaSample(), {
  retryIntervalDivisor: 20,
  synthCache: { name: 'test/e2e/fidelity/sfn-collection-saga-sns' },
});

// What the sample's API front (sagaLambda.ts) starts the machine with.
const trip = (tripId: string, runType: string) => ({
  trip_id: tripId,
  depart_city: 'Detroit',
  depart_time: '2021-07-07T06:00:00.000Z',
  arrive_city: 'Frankfurt',
  arrive_time: '2021-07-09T08:00:00.000Z',
  rental: 'BMW',
  rental_from: '2021-07-09T00:00:00.000Z',
  rental_to: '2021-07-17T00:00:00.000Z',
  run_type: runType,
});

async function book(cloud: LocalCloud, input: ReturnType<typeof trip>) {
  const { executionArn } = (await cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: cloud.resources.find('StateMachine/StateMachine/Resource', 'stateMachine').arn,
    name: input.trip_id,
    input: JSON.stringify(input),
  })) as { executionArn: string };
  const described = await waitForExecution(cloud, executionArn, 60_000);
  const history = await historyOf(cloud, executionArn);
  const entered = history
    .filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
  return { described, entered };
}

async function items(cloud: LocalCloud, table: string, tripId: string) {
  const { Items = [] } = await engineClients(cloud).dynamodb.send(
    new QueryCommand({
      TableName: cloud.resources.find(`StateMachine/${table}/Resource`, 'table').name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: tripId } },
      ConsistentRead: true,
    }),
  );
  return Items.map((i) => unmarshall(i) as Record<string, string>);
}

/** The SNS notifications the queue subscriber got, as the `Message` of each envelope. */
async function notifications(cloud: LocalCloud, expected: number): Promise<string[]> {
  const received = await receiveMessages(cloud, 'NotificationsSubscriber', {
    max: Math.max(expected, 10),
    waitSeconds: expected === 0 ? 1 : 5,
    delete: true,
  });
  return received.map((m) => {
    const envelope = m.body as { Type: string; TopicArn: string; Message: string };
    expect(envelope.Type).toBe('Notification');
    expect(envelope.TopicArn).toBe(cloud.resources.find('StateMachine/Topic/Resource', 'topic').arn);
    return envelope.Message;
  });
}

// The sample's hash of `''+a+b` (Java's String.hashCode, absolute value).
function hashIt(s: string): string {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return `${Math.abs(h)}`;
}

describe('fidelity: step-functions-workflows-collection saga-pattern-cdk (SNS)', () => {
  it('books the trip, publishes the success notification and succeeds', async () => {
    const { cloud } = local;
    const { described, entered } = await book(cloud, trip('trip-ok', 'success'));
    expect(described.status, `${described.error}: ${described.cause}`).toBe('SUCCEEDED');
    expect(entered).toEqual([
      'ReserveFlight',
      'ReserveCarRental',
      'ProcessPayment',
      'ConfirmFlight',
      'ConfirmCarRental',
      'SendingSMSSuccess',
      'Reservation Successful!',
    ]);
    expect(await notifications(cloud, 1)).toEqual(['Your Travel Reservation is Successful']);
    // The confirm handlers update `FLIGHT#<id>` / `CAR#<id>` while the reserve handlers wrote `<id>`:
    // UpdateItem creates the item it does not find, so each table holds the pending reservation and
    // a second item that is only a confirmed status.
    const flightId = hashIt('undefinedundefined');
    const flights = await items(cloud, 'Flights', 'trip-ok');
    expect(flights.map((i) => [i.sk, i.transaction_status]).sort()).toEqual([
      [flightId, 'pending'],
      [`FLIGHT#${flightId}`, 'confirmed'],
    ]);
    expect(flights.find((i) => i.sk === `FLIGHT#${flightId}`)).toEqual({
      pk: 'trip-ok',
      sk: `FLIGHT#${flightId}`,
      transaction_status: 'confirmed',
    });
    const carId = hashIt('2021-07-09T00:00:00.000Z2021-07-17T00:00:00.000Z');
    expect(
      (await items(cloud, 'Rentals', 'trip-ok')).map((i) => [i.sk, i.transaction_status]).sort(),
    ).toEqual([
      [carId, 'pending'],
      [`CAR#${carId}`, 'confirmed'],
    ]);
    expect(await items(cloud, 'Payments', 'trip-ok')).toEqual([
      expect.objectContaining({ sk: hashIt(carId), amount: '750.00', transaction_status: 'confirmed' }),
    ]);
  });

  it('a failed flight reservation cancels it, publishes the failure notification and fails with Job Failed', async () => {
    const { cloud } = local;
    const { described, entered } = await book(cloud, trip('trip-noflight', 'failFlightsReservation'));
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('Job Failed');
    expect(described.cause).toBeUndefined();
    expect(entered).toEqual([
      'ReserveFlight',
      'CancelFlightReservation',
      'SendingSMSFailure',
      'Reservation Failed',
    ]);
    expect(await notifications(cloud, 1)).toEqual(['Your Travel Reservation Failed']);
    expect(await items(cloud, 'Flights', 'trip-noflight')).toEqual([]);
  });

  it('a failed payment makes the refund delete an empty sort key: DynamoDB refuses it, the retries run out, no notification', async () => {
    const { cloud } = local;
    const { described, entered } = await book(cloud, trip('trip-nopay', 'failPayment'));
    expect(described.status).toBe('FAILED');
    expect(entered).toEqual(['ReserveFlight', 'ReserveCarRental', 'ProcessPayment', 'RefundPayment']);
    expect(described.error).toBe('Error');
    const cause = JSON.parse(described.cause ?? '{}') as { errorType: string; errorMessage: string };
    expect(cause.errorType).toBe('Error');
    expect(cause.errorMessage).toMatch(/^ValidationException: /);
    expect(cause.errorMessage).toContain('empty string');
    // The reservations stay pending: the saga never reached their cancellations.
    expect((await items(cloud, 'Flights', 'trip-nopay')).map((i) => i.transaction_status)).toEqual([
      'pending',
    ]);
    expect((await items(cloud, 'Rentals', 'trip-nopay')).map((i) => i.transaction_status)).toEqual([
      'pending',
    ]);
    expect(await items(cloud, 'Payments', 'trip-nopay')).toEqual([]);
    expect(await notifications(cloud, 0)).toEqual([]);
  });
});
