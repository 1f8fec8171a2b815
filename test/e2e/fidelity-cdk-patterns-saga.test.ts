import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { LocalCloud } from '../../infra/local/index.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, historyOf } from '../support/local-cloud.js';
import { buildSagaSample } from './fidelity/cdk-patterns-saga/stack.js';

// A public sample this project did not write; see fidelity/cdk-patterns-saga/README.md for its
// origin, licence, what the port changed and the outcomes AWS gives, which this test asserts.
const local = useLocalCloud(() => buildSagaSample(), {
  retryIntervalDivisor: 20,
  synthCache: { name: 'test/e2e/fidelity/cdk-patterns-saga' },
});

const trip = (tripId: string, runType?: string) => ({
  trip_id: tripId,
  depart: 'London',
  depart_at: '2021-07-10T06:00:00.000Z',
  arrive: 'Dublin',
  arrive_at: '2021-07-12T08:00:00.000Z',
  hotel: 'holiday inn',
  check_in: '2021-07-10T12:00:00.000Z',
  check_out: '2021-07-12T14:00:00.000Z',
  rental: 'Volvo',
  rental_from: '2021-07-10T00:00:00.000Z',
  rental_to: '2021-07-12T00:00:00.000Z',
  ...(runType ? { run_type: runType } : {}),
});

async function book(cloud: LocalCloud, input: ReturnType<typeof trip>) {
  const { executionArn } = (await cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: cloud.resources.find('BookingSaga', 'stateMachine').arn,
    name: input.trip_id,
    input: JSON.stringify(input),
  })) as { executionArn: string };
  const described = await waitForExecution(cloud, executionArn, 60_000);
  const history = await historyOf(cloud, executionArn);
  const entered = history
    .filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
  return { described, entered, history };
}

async function items(cloud: LocalCloud, tripId: string) {
  const { Items = [] } = await engineClients(cloud).dynamodb.send(
    new QueryCommand({
      TableName: cloud.resources.find('Bookings', 'table').name,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: tripId } },
      ConsistentRead: true,
    }),
  );
  return Items.map((i) => unmarshall(i) as { sk: string; type: string; transaction_status: string });
}

describe('fidelity: cdk-patterns the-saga-stepfunction', () => {
  it('books the trip: reserve, pay, confirm, and succeeds', async () => {
    const { cloud } = local;
    const { described, entered } = await book(cloud, trip('trip-ok'));
    expect(described.status, `${described.error}: ${described.cause}`).toBe('SUCCEEDED');
    expect(entered).toEqual([
      'ReserveHotel',
      'ReserveFlight',
      'TakePayment',
      'ConfirmHotelBooking',
      'ConfirmFlight',
      'We have made your booking!',
    ]);
    const stored = await items(cloud, 'trip-ok');
    expect(stored.map((i) => [i.type, i.transaction_status]).sort()).toEqual([
      ['Flight', 'confirmed'],
      ['Hotel', 'confirmed'],
      ['Payment', 'confirmed'],
    ]);
  });

  it('a failed payment refunds and cancels in reverse order, and fails in the Fail state', async () => {
    const { cloud } = local;
    const { described, entered } = await book(cloud, trip('trip-failpay', 'failPayment'));
    expect(described.status).toBe('FAILED');
    expect(entered.slice(0, 4)).toEqual(['ReserveHotel', 'ReserveFlight', 'TakePayment', 'RefundPayment']);
    if (described.error === undefined) {
      // Every compensation succeeded within its retries (≈ 92% of runs on AWS too).
      expect(described.cause).toBeUndefined();
      expect(entered).toEqual([
        'ReserveHotel',
        'ReserveFlight',
        'TakePayment',
        'RefundPayment',
        'CancelFlightReservation',
        'CancelHotelReservation',
        "Sorry, We Couldn't make the booking",
      ]);
      expect(await items(cloud, 'trip-failpay')).toEqual([]);
    } else {
      // A compensation failed four times in a row: the error is the handler's, as on AWS.
      expect(described.error).toBe('Error');
      expect(described.cause).toContain('Internal Server Error');
    }
  });
});
