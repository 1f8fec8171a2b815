import type { ParticipantDefinition } from 'stepsaga/runtime';
import { defineChoreographyParticipant, type Reactions } from 'stepsaga/runtime';
import { type PlaceOrderInput, placeOrderInput } from '../order-input.js';
import { PlaceOrderEvents as E, PLACE_ORDER_SAGA, PlaceOrderSteps as S } from './events.js';

export const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'ORDER' });

/**
 * The order service. `place` starts the choreography (invoked directly with a ParticipantRequest,
 * saga id = order id); it then completes the order when it ships, or cancels it when the stock
 * reservation is released or refused.
 */
export const orderParticipant: ParticipantDefinition<PlaceOrderInput> = {
  name: 'Order',
  input: placeOrderInput,
  actions: {
    place: ({ input, put, emit }) => {
      put({
        item: { ...orderKey(input.orderId), ...input, status: 'PENDING', sagaName: PLACE_ORDER_SAGA },
        condition: 'attribute_not_exists(pk)',
      });
      emit(E.orderPlaced, input);
      return { orderId: input.orderId, status: 'PENDING' };
    },
    complete: ({ input, update }) => {
      update({
        key: orderKey(input.orderId),
        update: 'SET #status = :completed',
        names: { '#status': 'status' },
        values: { ':completed': 'COMPLETED' },
      });
      return { orderId: input.orderId, status: 'COMPLETED' };
    },
  },
  compensations: {
    // Cancel the order `place` recorded, not whatever order the triggering event names.
    cancel: ({ action: { input }, update, emit }) => {
      update({
        key: orderKey(input.orderId),
        update: 'SET #status = :cancelled',
        names: { '#status': 'status' },
        values: { ':cancelled': 'CANCELLED' },
      });
      emit(E.orderCancelled, input);
      return { orderId: input.orderId, status: 'CANCELLED' };
    },
  },
};

export const orderReactions: Reactions = {
  [E.orderShipped]: { step: S.complete, action: 'complete' },
  // Either way the stock is not (or no longer) held: cancel the order once.
  [E.stockReleased]: { step: S.place, compensation: 'cancel' },
  [E.stockRejected]: { step: S.place, compensation: 'cancel' },
};

export const handler = defineChoreographyParticipant(orderParticipant, { reactions: orderReactions });
