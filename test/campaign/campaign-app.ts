import { fileURLToPath } from 'node:url';
import { App, Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Participant } from '../../infra/constructs/participant/index.js';
import { Saga } from '../../infra/constructs/saga/index.js';
import { BookTripStack } from '../../workflows/book-trip.js';
import { PlaceOrderStack } from '../../workflows/place-order.js';
import { TransferStack } from '../../workflows/transfer.js';

/**
 * HoldOrder's state budget: a large input and a large label result, so that an execution near
 * both limits carries about 220 KB of state, close to Step Functions' 256 KiB.
 */
export const HOLD_ORDER_BUDGET = { inputBytes: 60_000, labelResultBytes: 160_000 } as const;

/**
 * How long BookTrip waits for the bank in the campaign: short, so that a silent or late bank costs a
 * run seconds, yet longer than a warm relay and bank take to answer.
 */
export const BANK_ANSWER_TIMEOUT_SECONDS = 6;

/**
 * The campaign's app: the example's two stacks unchanged (without cdk-nag, which the campaign does
 * not judge), plus a second saga in the PlaceOrder stack, HoldOrder, that shares the Inventory
 * participant and the step name `ReserveInventory` with PlaceOrder. The campaign starts both with
 * the order id as execution name, so their barriers differ only by the saga's name. HoldOrder's
 * second step stores a packing label whose size the input chooses, near its result budget. The trip
 * example's stack joins them, with a short wait for the bank's answer.
 */
export function buildCampaignApp(app: App = new App()): App {
  const stack = new PlaceOrderStack(app, 'StepsagaExample');
  new TransferStack(app, 'StepsagaTransfer');
  new BookTripStack(app, 'StepsagaBookTrip', {
    paymentAnswerTimeout: Duration.seconds(BANK_ANSWER_TIMEOUT_SECONDS),
  });
  const labels = new Participant(stack, 'BlobStore', {
    entry: fileURLToPath(new URL('../e2e/fixtures/participants/blob-store.ts', import.meta.url)),
    removalPolicy: RemovalPolicy.DESTROY,
  });
  new Saga(stack, 'HoldOrder', {
    steps: [
      {
        name: 'ReserveInventory',
        participant: stack.inventory,
        action: 'reserve',
        compensation: 'release',
      },
      {
        name: 'StoreLabel',
        participant: labels,
        action: 'store',
        compensation: 'remove',
        maxResultBytes: HOLD_ORDER_BUDGET.labelResultBytes,
      },
    ],
    maxInputBytes: HOLD_ORDER_BUDGET.inputBytes,
  });
  return app;
}
