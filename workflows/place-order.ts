import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Participant } from '../infra/constructs/participant/index.js';
import { Saga } from '../infra/constructs/saga/index.js';

const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'functions', 'examples');

/**
 * The example order saga: reserve stock, charge the card, ship. Shipping is the pivot: once the
 * parcel is handed over nothing is undone; a failure before it releases stock and refunds.
 * Input: `{ orderId, customerId, sku, quantity, amount }`, amount in integer cents.
 */
export class PlaceOrderStack extends Stack {
  public readonly inventory: Participant;
  public readonly payment: Participant;
  public readonly shipping: Participant;
  public readonly placeOrder: Saga;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.inventory = new Participant(this, 'Inventory', {
      entry: path.join(examples, 'inventory', 'handler.ts'),
    });
    this.payment = new Participant(this, 'Payment', {
      entry: path.join(examples, 'payment', 'handler.ts'),
    });
    this.shipping = new Participant(this, 'Shipping', {
      entry: path.join(examples, 'shipping', 'handler.ts'),
    });
    for (const participant of [this.inventory, this.payment, this.shipping]) {
      const reason =
        'Pinned to Node.js 22, the version the embedded local cloud and the test suite run the same bundle on; move to a newer runtime together with the local toolchain.';
      Validations.of(participant.function).acknowledge(
        { id: 'AwsSolutions-L1', reason },
        { id: 'Serverless-LambdaLatestVersion', reason },
      );
    }

    this.placeOrder = new Saga(this, 'PlaceOrder', {
      steps: [
        { name: 'ReserveInventory', participant: this.inventory, action: 'reserve', compensation: 'release' },
        { name: 'ChargePayment', participant: this.payment, action: 'charge', compensation: 'refund' },
        { name: 'ShipOrder', participant: this.shipping, action: 'ship', kind: 'pivot' },
      ],
    });
  }
}
