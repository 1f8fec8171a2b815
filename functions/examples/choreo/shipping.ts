import type { ParticipantDefinition } from 'stepsaga/runtime';
import { defineChoreographyParticipant, type Reactions } from 'stepsaga/runtime';
import { type PlaceOrderInput, placeOrderInput } from '../order-input.js';
import { PlaceOrderEvents as E, PlaceOrderSteps as S } from './events.js';

export const shipmentKey = (orderId: string) => ({ pk: `SHIPMENT#${orderId}`, sk: 'SHIPMENT' });

/** Ships a paid order. */
export const shippingParticipant: ParticipantDefinition<PlaceOrderInput> = {
  name: 'Shipping',
  input: placeOrderInput,
  actions: {
    ship: ({ input, put, emit }) => {
      const trackingNumber = `TRK-${input.orderId}`;
      put({
        item: { ...shipmentKey(input.orderId), trackingNumber, sku: input.sku, quantity: input.quantity },
        condition: 'attribute_not_exists(pk)',
      });
      emit(E.orderShipped, { ...input, trackingNumber });
      return { trackingNumber };
    },
  },
};

export const shippingReactions: Reactions = { [E.paymentCharged]: { step: S.ship, action: 'ship' } };

export const handler = defineChoreographyParticipant(shippingParticipant, { reactions: shippingReactions });
