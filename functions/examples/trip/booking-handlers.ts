import { BusinessError, defineParticipant } from 'stepsaga/runtime';
import { bookingKey, tripInput } from './trip-input.js';

/**
 * A travel supplier (hotel, flight, car rental, itinerary): `book` records the booking, `cancel`
 * marks it cancelled and counts cancellations, so a test sees each compensation applied once.
 */
export function bookingParticipant(name: string, refuseAt: string) {
  return defineParticipant({
    name,
    input: tripInput,
    actions: {
      book: ({ input, put, emit }) => {
        if (input.failAt === refuseAt) {
          throw new BusinessError(`${name} refused trip "${input.tripId}"`, 'NOT_AVAILABLE');
        }
        put({ item: { ...bookingKey(input.tripId), status: 'booked', cancellations: 0 } });
        emit(`${name}Booked`, { tripId: input.tripId });
        return { [`${name.toLowerCase()}Ref`]: `${name}-${input.tripId}` };
      },
    },
    compensations: {
      cancel: ({ action: { input }, update, emit }) => {
        update({
          key: bookingKey(input.tripId),
          update: 'SET #status = :cancelled ADD cancellations :one',
          names: { '#status': 'status' },
          values: { ':cancelled': 'cancelled', ':one': 1 },
        });
        emit(`${name}Cancelled`, { tripId: input.tripId });
        return { cancelled: true };
      },
    },
  });
}
