import * as z from 'zod/mini';

/**
 * The BookTrip saga's input, shared by its participants. `failAt` names a step (or `Bank`,
 * `BankSilent`, `BankTwice`) where the example misbehaves on purpose, so that every failure path
 * can be tried on the local cloud.
 */
export const tripInput = z.object({
  tripId: z.string().check(z.minLength(1)),
  customerId: z.string().check(z.minLength(1)),
  /** In cents. */
  amount: z.int().check(z.positive()),
  failAt: z.optional(z.string()),
});

export type TripInput = z.infer<typeof tripInput>;

/** The record a travel participant keeps per trip: booked, then maybe cancelled (counted). */
export const bookingKey = (tripId: string) => ({ pk: `TRIP#${tripId}`, sk: 'BOOKING' });
