import { defineParticipant } from 'stepsaga/runtime';
import { tripInput } from './trip-input.js';

export const authorizationKey = (tripId: string) => ({ pk: `TRIP#${tripId}`, sk: 'AUTHORIZATION' });

/**
 * Asks the bank to authorize the trip's amount: the request and the event carrying the task token
 * commit together, and the saga waits until the bank answers the token (see bank-handler.ts).
 */
export const handler = defineParticipant({
  name: 'TripPayment',
  input: tripInput,
  actions: {
    requestAuthorization: ({ input, request, put, emit }) => {
      put({ item: { ...authorizationKey(input.tripId), status: 'requested', voids: 0 } });
      emit('AuthorizationRequested', {
        tripId: input.tripId,
        amount: input.amount,
        failAt: input.failAt ?? null,
        taskToken: request.taskToken,
      });
      return { requested: input.amount };
    },
  },
  compensations: {
    void: ({ action: { input }, update }) => {
      update({
        key: authorizationKey(input.tripId),
        update: 'SET #status = :voided ADD voids :one',
        names: { '#status': 'status' },
        values: { ':voided': 'voided', ':one': 1 },
      });
      return { voided: true };
    },
  },
});
