import { BusinessError, defineParticipant } from 'stepsaga/runtime';
import { placeOrderInput } from '../order-input.js';

export const stockKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' });

/** Reserves stock for an order; the condition keeps `available` from ever going negative. */
export const handler = defineParticipant({
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
          current === undefined
            ? new BusinessError(`Unknown SKU "${input.sku}": no stock item exists for it.`, 'UNKNOWN_SKU')
            : new BusinessError(
                `Insufficient stock for SKU "${input.sku}": ${input.quantity} requested, ${String(current.available)} available.`,
                'INSUFFICIENT_STOCK',
              ),
      });
      emit(
        'StockReserved',
        { orderId: input.orderId, sku: input.sku, quantity: input.quantity },
        { groupId: input.sku },
      );
      return { sku: input.sku, reserved: input.quantity };
    },
  },
  compensations: {
    // Releases what `reserve` recorded, whatever quantity this request carries.
    release: ({ action: { input }, update, emit }) => {
      update({
        key: stockKey(input.sku),
        update: 'SET available = available + :qty',
        values: { ':qty': input.quantity },
      });
      emit(
        'StockReleased',
        { orderId: input.orderId, sku: input.sku, quantity: input.quantity },
        { groupId: input.sku },
      );
      return { sku: input.sku, released: input.quantity };
    },
  },
});
