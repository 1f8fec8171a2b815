import { BusinessError, defineParticipant, holdReservation, settleReservation } from 'stepsaga/runtime';
import { accountKey } from './account-key.js';
import { reservationSeconds } from './reservation-deadline.js';
import type { AccountServiceOptions } from './service-options.js';
import { transferInput } from './transfer-input.js';

/**
 * The Debit account service: Try holds the amount (balance -> held, never below zero), Confirm
 * settles the hold (the money leaves), Cancel releases it (held -> balance). Balance plus held
 * changes only on Confirm.
 */
export function debitService(options: AccountServiceOptions = {}) {
  const now = options.now ?? (() => new Date());
  return defineParticipant({
    name: 'DebitAccounts',
    input: transferInput,
    ...(options.client ? { client: options.client } : {}),
    ...(options.tableName ? { tableName: options.tableName } : {}),
    tcc: {
      try: {
        hold: (context) => {
          const { input, update } = context;
          update({
            key: accountKey(input.fromAccount),
            update: 'SET balance = balance - :amount, held = held + :amount',
            condition: 'balance >= :amount',
            values: { ':amount': input.amount },
            onConditionFailed: (current) =>
              current === undefined
                ? new BusinessError(
                    `Unknown account "${input.fromAccount}": no account exists.`,
                    'UNKNOWN_ACCOUNT',
                  )
                : new BusinessError(
                    `Insufficient funds in account "${input.fromAccount}": ${input.amount} cents requested, ${String(current.balance)} available.`,
                    'INSUFFICIENT_FUNDS',
                  ),
          });
          holdReservation(context, {
            deadlineSeconds: options.reservationSeconds ?? reservationSeconds(),
            cancelAction: 'release',
            now,
          });
          return { account: input.fromAccount, held: input.amount };
        },
      },
      confirm: {
        settle: async (context) => {
          const { input, update, emit } = context;
          await settleReservation(context, now());
          update({
            key: accountKey(input.fromAccount),
            update: 'SET held = held - :amount',
            condition: 'held >= :amount',
            values: { ':amount': input.amount },
            conditionName: 'HOLD_PRESENT',
          });
          emit('TransferDebited', {
            transferId: input.transferId,
            account: input.fromAccount,
            amount: input.amount,
          });
          return { account: input.fromAccount, debited: input.amount };
        },
      },
      cancel: {
        // Releases what the try recorded, whatever amount this request carries.
        release: async (context) => {
          const {
            action: { input },
            update,
          } = context;
          await settleReservation(context, now());
          update({
            key: accountKey(input.fromAccount),
            update: 'SET balance = balance + :amount, held = held - :amount',
            condition: 'held >= :amount',
            values: { ':amount': input.amount },
            conditionName: 'HOLD_PRESENT',
          });
          return { account: input.fromAccount, released: input.amount };
        },
      },
    },
  });
}

export const handler = debitService();
