import type { ParticipantDefinition } from 'stepsaga/runtime';
import { BusinessError, defineChoreographyParticipant, type Reactions } from 'stepsaga/runtime';
import { type PlaceOrderInput, placeOrderInput } from '../order-input.js';
import { CARD_LIMIT, PlaceOrderEvents as E, PlaceOrderSteps as S } from './events.js';

export const chargeKey = (orderId: string) => ({ pk: `CHARGE#${orderId}`, sk: 'CHARGE' });

/** Charges the customer once stock is reserved; a declined card announces PaymentFailed. */
export const paymentParticipant: ParticipantDefinition<PlaceOrderInput> = {
  name: 'Payment',
  input: placeOrderInput,
  actions: {
    charge: ({ input, put, emit, sagaId }) => {
      if (input.amount > CARD_LIMIT) {
        throw new BusinessError(
          `Card of customer ${input.customerId} declined: ${input.amount} cents is over the limit of ${CARD_LIMIT}.`,
          'CARD_DECLINED',
        );
      }
      const chargeId = `ch-${sagaId}`;
      put({
        item: { ...chargeKey(input.orderId), chargeId, amount: input.amount, customerId: input.customerId },
        condition: 'attribute_not_exists(pk)',
      });
      emit(E.paymentCharged, { ...input, chargeId });
      return { chargeId, amount: input.amount };
    },
  },
};

export const paymentReactions: Reactions = {
  [E.stockReserved]: { step: S.charge, action: 'charge', refusedEvent: E.paymentFailed },
};

export const handler = defineChoreographyParticipant(paymentParticipant, { reactions: paymentReactions });
