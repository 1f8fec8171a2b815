import { BusinessError, defineParticipant, holdReservation, settleReservation } from 'stepsaga/runtime';
import { accountKey } from './account-key.js';
import { reservationSeconds } from './reservation-deadline.js';
import type { AccountServiceOptions } from './service-options.js';
import { transferInput } from './transfer-input.js';

/**
 * The Credit account service: Try records a pending credit (not yet spendable), Confirm applies it
 * to the balance, Cancel drops it. The balance changes only on Confirm.
 */
export function creditService(options: AccountServiceOptions = {}) {
  const now = options.now ?? (() => new Date());
  return defineParticipant({
    name: 'CreditAccounts',
    input: transferInput,
    ...(options.client ? { client: options.client } : {}),
    ...(options.tableName ? { tableName: options.tableName } : {}),
    tcc: {
      try: {
        recordPending: (context) => {
          const { input, update } = context;
          update({
            key: accountKey(input.toAccount),
            update: 'SET pendingCredit = if_not_exists(pendingCredit, :zero) + :amount',
            condition: 'attribute_exists(pk)',
            values: { ':amount': input.amount, ':zero': 0 },
            onConditionFailed: () =>
              new BusinessError(
                `Unknown account "${input.toAccount}": no account exists.`,
                'UNKNOWN_ACCOUNT',
              ),
          });
          holdReservation(context, {
            deadlineSeconds: options.reservationSeconds ?? reservationSeconds(),
            cancelAction: 'drop',
            now,
          });
          return { account: input.toAccount, pending: input.amount };
        },
      },
      confirm: {
        apply: async (context) => {
          const { input, update, emit } = context;
          await settleReservation(context, now());
          update({
            key: accountKey(input.toAccount),
            update: 'SET balance = balance + :amount, pendingCredit = pendingCredit - :amount',
            condition: 'pendingCredit >= :amount',
            values: { ':amount': input.amount },
            conditionName: 'PENDING_CREDIT_PRESENT',
          });
          emit('TransferCredited', {
            transferId: input.transferId,
            account: input.toAccount,
            amount: input.amount,
          });
          return { account: input.toAccount, credited: input.amount };
        },
      },
      cancel: {
        // Releases what the try recorded, whatever amount this request carries.
        drop: async (context) => {
          const {
            action: { input },
            update,
          } = context;
          await settleReservation(context, now());
          update({
            key: accountKey(input.toAccount),
            update: 'SET pendingCredit = pendingCredit - :amount',
            condition: 'pendingCredit >= :amount',
            values: { ':amount': input.amount },
            conditionName: 'PENDING_CREDIT_PRESENT',
          });
          return { account: input.toAccount, dropped: input.amount };
        },
      },
    },
  });
}

export const handler = creditService();
