import { bookingParticipant } from './booking-handlers.js';

/** The Flight participant of BookTrip; refuses when the input's `failAt` is "BookFlight". */
export const handler = bookingParticipant('Flight', 'BookFlight');
