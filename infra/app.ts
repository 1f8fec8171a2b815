import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PlaceOrderStack } from '../workflows/place-order.js';
import { TransferStack } from '../workflows/transfer.js';

/**
 * The example app: builds the PlaceOrder saga stack and the Transfer TCC stack and runs cdk-nag's
 * AwsSolutions and Serverless packs on them.
 */
export function buildExampleApp(app: App = new App()): {
  app: App;
  stack: PlaceOrderStack;
  transferStack: TransferStack;
} {
  // Environment-agnostic on purpose: the same template deploys to any account and region.
  const stack = new PlaceOrderStack(app, 'StepsagaExample', {
    description: 'stepsaga example: the PlaceOrder saga with Inventory, Payment and Shipping participants',
  });
  const transferStack = new TransferStack(app, 'StepsagaTransfer', {
    description:
      'stepsaga example: the Transfer TCC transaction between the DebitAccounts and CreditAccounts services',
  });
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  return { app, stack, transferStack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildExampleApp().app.synth();
}
