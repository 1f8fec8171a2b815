/**
 * The order-history read model: one summary item per order, plus one item per applied event.
 * Every update is commutative (ADD, or SET of a value only one event carries), so the read model
 * comes out the same whatever order a standard queue delivers the events in.
 */

export const orderSummaryKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'SUMMARY' });
export const orderEventKey = (orderId: string, eventId: string) => ({
  pk: `ORDER#${orderId}`,
  sk: `EVENT#${eventId}`,
});

/** What PlaceOrder's participants emit (see functions/examples/{inventory,payment,shipping}). */
export interface OrderEventPayload {
  readonly orderId?: string;
  readonly quantity?: number;
  readonly amount?: number;
  readonly shipmentId?: string;
}

type OrderEventEffect = (payload: OrderEventPayload) => { reserved?: number; charged?: number };

/**
 * How each event type moves the summary's counters: `reserved` in units, `charged` in cents. A Map,
 * not an object literal: the event type comes from the message, and a lookup on a plain object
 * would find `constructor` or `toString` on its prototype and apply a forged payload.
 */
const ORDER_EVENT_EFFECTS: ReadonlyMap<string, OrderEventEffect> = new Map<string, OrderEventEffect>([
  ['StockReserved', (p) => ({ reserved: p.quantity ?? 0 })],
  ['StockReleased', (p) => ({ reserved: -(p.quantity ?? 0) })],
  ['PaymentCharged', (p) => ({ charged: p.amount ?? 0 })],
  ['PaymentRefunded', (p) => ({ charged: -(p.amount ?? 0) })],
  ['OrderShipped', () => ({})],
]);

/** The effect of an order event type, or undefined for any other type (including prototype names). */
export function orderEventEffect(eventType: unknown): OrderEventEffect | undefined {
  return typeof eventType === 'string' ? ORDER_EVENT_EFFECTS.get(eventType) : undefined;
}
