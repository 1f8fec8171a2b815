import { bookingParticipant } from './booking-handlers.js';

/** The Hotel participant of BookTrip; refuses when the input's `failAt` is "BookHotel". */
export const handler = bookingParticipant('Hotel', 'BookHotel');
