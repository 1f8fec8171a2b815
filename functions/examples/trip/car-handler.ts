import { BusinessError, defineParticipant } from 'stepsaga/runtime';
import * as z from 'zod/mini';
import { tripInput } from './trip-input.js';

/** RentCar's input is the trip; ReturnCar's is `{ childSagaId, input }` (the trip). */
const carInput = z.object({
  tripId: z.optional(z.string()),
  failAt: z.optional(z.string()),
  childSagaId: z.optional(z.string()),
  input: z.optional(tripInput),
});

export const carKey = (tripId: string) => ({ pk: `TRIP#${tripId}`, sk: 'CAR' });

/**
 * The car rental team's participant, behind two sagas of its own: RentCar (`rent`) and ReturnCar
 * (`return`), which BookTrip runs as a child step and as that step's compensation.
 */
export const handler = defineParticipant({
  name: 'Cars',
  input: carInput,
  actions: {
    rent: ({ input, sagaId, put }) => {
      const tripId = input.tripId ?? '';
      if (input.failAt === 'RentCar') throw new BusinessError(`No car for trip "${tripId}"`, 'NO_CAR');
      put({ item: { ...carKey(tripId), status: 'rented', rentalSaga: sagaId, returns: 0 } });
      return { car: `CAR-${tripId}` };
    },
    return: ({ input, update }) => {
      const tripId = input.input?.tripId ?? '';
      update({
        key: carKey(tripId),
        // `returns` is a DynamoDB reserved word, hence the name placeholder.
        update: 'SET #status = :returned, returnedFor = :child ADD #returns :one',
        names: { '#status': 'status', '#returns': 'returns' },
        values: { ':returned': 'returned', ':child': input.childSagaId ?? '', ':one': 1 },
      });
      return { returned: true };
    },
  },
});
