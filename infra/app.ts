import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PlaceOrderStack } from '../workflows/place-order.js';

/** The example app: builds the PlaceOrder stack and runs cdk-nag's AwsSolutions and Serverless packs on it. */
export function buildExampleApp(app: App = new App()): { app: App; stack: PlaceOrderStack } {
  // Environment-agnostic on purpose: the same template deploys to any account and region.
  const stack = new PlaceOrderStack(app, 'StepsagaExample', {
    description: 'stepsaga example: the PlaceOrder saga with Inventory, Payment and Shipping participants',
  });
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true }),
    new ServerlessChecks(app, { verbose: true }),
  );
  return { app, stack };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  buildExampleApp().app.synth();
}
