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

/** How each event type moves the summary's counters: `reserved` in units, `charged` in cents. */
export const ORDER_EVENT_EFFECTS: Readonly<
  Record<string, (payload: OrderEventPayload) => { reserved?: number; charged?: number }>
> = {
  StockReserved: (p) => ({ reserved: p.quantity ?? 0 }),
  StockReleased: (p) => ({ reserved: -(p.quantity ?? 0) }),
  PaymentCharged: (p) => ({ charged: p.amount ?? 0 }),
  PaymentRefunded: (p) => ({ charged: -(p.amount ?? 0) }),
  OrderShipped: () => ({}),
};
