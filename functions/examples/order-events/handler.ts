import { createInboxHandler, TABLE_NAME_ENV } from 'stepsaga/runtime';
import { type OrderEventPayload, orderEventEffect, orderEventKey, orderSummaryKey } from './order-history.js';

/**
 * Consumes the `order-events` queue (PlaceOrder participants' outbox events, relayed) into the
 * order-history read model. The inbox applies each event once: a redelivered event finds its inbox
 * record and changes nothing, so `eventCount` counts events, not deliveries.
 */
export const handler = createInboxHandler<OrderEventPayload>({
  tableName: process.env[TABLE_NAME_ENV] ?? '',
  apply: (event, tx) => {
    const orderId = event.payload?.orderId;
    const effect = orderEventEffect(event.eventType);
    // Not an order event: the inbox still records it, so it is not offered again.
    if (typeof orderId !== 'string' || !effect) return;
    const { reserved = 0, charged = 0 } = effect(event.payload);
    tx.put({
      item: {
        ...orderEventKey(orderId, event.eventId),
        itemType: 'order-event',
        eventId: event.eventId,
        eventType: event.eventType,
        sagaId: event.sagaId,
        step: event.step,
        createdAt: event.createdAt,
        payload: JSON.stringify(event.payload),
      },
    });
    tx.update({
      key: orderSummaryKey(orderId),
      update:
        'SET itemType = :type, orderId = :orderId, lastSagaId = :sagaId' +
        (event.payload.shipmentId ? ', shipmentId = :shipmentId' : '') +
        ' ADD eventCount :one, eventTypes :eventTypes, reserved :reserved, charged :charged',
      values: {
        ':type': 'order-summary',
        ':orderId': orderId,
        ':sagaId': event.sagaId,
        ':one': 1,
        ':eventTypes': new Set([event.eventType]),
        ':reserved': reserved,
        ':charged': charged,
        ...(event.payload.shipmentId ? { ':shipmentId': event.payload.shipmentId } : {}),
      },
    });
  },
});
