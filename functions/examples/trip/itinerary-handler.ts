import { bookingParticipant } from './booking-handlers.js';

/** The Itinerary participant of BookTrip; refuses when the input's `failAt` is "ConfirmTrip". */
export const handler = bookingParticipant('Itinerary', 'ConfirmTrip');
