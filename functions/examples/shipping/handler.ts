import { BusinessError, defineParticipant } from 'stepsaga/runtime';
import { placeOrderInput } from '../order-input.js';

export const shipmentKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'SHIPMENT' });

/** Ships an order once: the shipment item can only be created if none exists for the order. */
export const handler = defineParticipant({
  name: 'Shipping',
  input: placeOrderInput,
  actions: {
    ship: ({ input, put, emit, sagaId }) => {
      const shipmentId = `SHP-${input.orderId}`;
      put({
        item: {
          ...shipmentKey(input.orderId),
          itemType: 'shipment',
          shipmentId,
          orderId: input.orderId,
          sku: input.sku,
          quantity: input.quantity,
          sagaId,
        },
        condition: 'attribute_not_exists(pk)',
        onConditionFailed: () =>
          new BusinessError(
            `Order "${input.orderId}" has already shipped; an order ships once.`,
            'ALREADY_SHIPPED',
          ),
      });
      emit('OrderShipped', { orderId: input.orderId, shipmentId }, { groupId: input.orderId });
      return { orderId: input.orderId, shipmentId };
    },
  },
});
