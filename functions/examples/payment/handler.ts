import { BusinessError, defineParticipant } from 'stepsaga/runtime';
import { placeOrderInput } from '../order-input.js';

export const accountKey = (customerId: string) => ({ pk: `ACCOUNT#${customerId}`, sk: 'BALANCE' });

/** Charges the customer's balance (in cents); the condition keeps it from ever going negative. */
export const handler = defineParticipant({
  name: 'Payment',
  input: placeOrderInput,
  actions: {
    charge: ({ input, update, emit }) => {
      update({
        key: accountKey(input.customerId),
        update: 'SET balance = balance - :amount',
        condition: 'balance >= :amount',
        values: { ':amount': input.amount },
        onConditionFailed: (current) =>
          current === undefined
            ? new BusinessError(
                `Unknown customer "${input.customerId}": no account exists.`,
                'UNKNOWN_ACCOUNT',
              )
            : new BusinessError(
                `Insufficient funds for customer "${input.customerId}": ${input.amount} cents requested, ` +
                  `${String(current.balance)} available.`,
                'INSUFFICIENT_FUNDS',
              ),
      });
      emit('PaymentCharged', { orderId: input.orderId, customerId: input.customerId, amount: input.amount });
      return { customerId: input.customerId, charged: input.amount };
    },
  },
  compensations: {
    // Refunds what `charge` recorded, whatever amount this request carries.
    refund: ({ action: { input }, update, emit }) => {
      update({
        key: accountKey(input.customerId),
        update: 'SET balance = balance + :amount',
        values: { ':amount': input.amount },
      });
      emit('PaymentRefunded', { orderId: input.orderId, customerId: input.customerId, amount: input.amount });
      return { customerId: input.customerId, refunded: input.amount };
    },
  },
});
