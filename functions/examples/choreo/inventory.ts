import type { ParticipantDefinition } from 'stepsaga/runtime';
import { BusinessError, defineChoreographyParticipant, type Reactions } from 'stepsaga/runtime';
import { type PlaceOrderInput, placeOrderInput } from '../order-input.js';
import { PlaceOrderEvents as E, PlaceOrderSteps as S } from './events.js';

export const stockKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' });

/** Reserves stock when an order is placed; releases it when the payment fails. */
export const inventoryParticipant: ParticipantDefinition<PlaceOrderInput> = {
  name: 'Inventory',
  input: placeOrderInput,
  actions: {
    reserve: ({ input, update, emit }) => {
      update({
        key: stockKey(input.sku),
        update: 'SET available = available - :qty',
        condition: 'available >= :qty',
        values: { ':qty': input.quantity },
        onConditionFailed: (current) =>
          new BusinessError(
            current === undefined
              ? `Unknown SKU "${input.sku}": no stock item exists for it.`
              : `Insufficient stock for SKU "${input.sku}": ${input.quantity} requested, ${String(current.available)} available.`,
            current === undefined ? 'UNKNOWN_SKU' : 'INSUFFICIENT_STOCK',
          ),
      });
      emit(E.stockReserved, input);
      return { sku: input.sku, reserved: input.quantity };
    },
  },
  compensations: {
    // The triggering event (PaymentFailed) is only the choreography's view; release what `reserve` recorded.
    release: ({ action: { input }, update, emit }) => {
      update({
        key: stockKey(input.sku),
        update: 'SET available = available + :qty',
        values: { ':qty': input.quantity },
      });
      emit(E.stockReleased, input);
      return { sku: input.sku, released: input.quantity };
    },
  },
};

export const inventoryReactions: Reactions = {
  [E.orderPlaced]: { step: S.reserve, action: 'reserve', refusedEvent: E.stockRejected },
  [E.paymentFailed]: { step: S.reserve, compensation: 'release' },
};

export const handler = defineChoreographyParticipant(inventoryParticipant, { reactions: inventoryReactions });
