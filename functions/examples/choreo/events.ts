import type { TrackedEvents } from 'stepsaga/runtime';

/**
 * The PlaceOrder choreography's events. Every payload carries the order (`PlaceOrderInput`) plus
 * what the step adds, so that each consumer reads its input from the event alone.
 */
export const PlaceOrderEvents = {
  orderPlaced: 'OrderPlaced',
  stockReserved: 'StockReserved',
  stockRejected: 'StockRejected',
  paymentCharged: 'PaymentCharged',
  paymentFailed: 'PaymentFailed',
  orderShipped: 'OrderShipped',
  stockReleased: 'StockReleased',
  orderCancelled: 'OrderCancelled',
} as const;

/** Step names: the barrier scope of each reaction and the tracker's step items. */
export const PlaceOrderSteps = {
  place: 'PlaceOrder',
  reserve: 'ReserveInventory',
  charge: 'ChargePayment',
  ship: 'ShipOrder',
  complete: 'CompleteOrder',
} as const;

export const PLACE_ORDER_SAGA = 'PlaceOrderChoreography';

/** Amounts above this (in cents) are declined by the example card processor. */
export const CARD_LIMIT = 100_000;

const E = PlaceOrderEvents;
const S = PlaceOrderSteps;

/** What each event means for the saga tracker. */
export const placeOrderTrackedEvents = {
  [E.orderPlaced]: { step: S.place, marks: 'done' },
  [E.stockReserved]: { step: S.reserve, marks: 'done' },
  [E.stockRejected]: { step: S.reserve, marks: 'failed' },
  [E.paymentCharged]: { step: S.charge, marks: 'done' },
  [E.paymentFailed]: { step: S.charge, marks: 'failed' },
  [E.orderShipped]: { step: S.ship, marks: 'done', outcome: 'succeeded' },
  [E.stockReleased]: { step: S.reserve, marks: 'compensated' },
  [E.orderCancelled]: { step: S.place, marks: 'compensated', outcome: 'compensated' },
} as const satisfies TrackedEvents;
