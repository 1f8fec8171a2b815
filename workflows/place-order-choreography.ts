import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Choreography, Participant } from 'stepsaga';
import {
  PlaceOrderEvents as E,
  PLACE_ORDER_SAGA,
  placeOrderTrackedEvents as T,
} from '../functions/examples/choreo/events.js';

const examples = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'functions',
  'examples',
  'choreo',
);

/**
 * PlaceOrder as a choreography: no state machine. The order service places the order (invoke its
 * function with a ParticipantRequest for `place`, saga id = order id) and each service reacts:
 * OrderPlaced → Inventory reserves → StockReserved → Payment charges → PaymentCharged → Shipping
 * ships → OrderShipped → Order completes. PaymentFailed → Inventory releases → StockReleased →
 * Order cancels → OrderCancelled; StockRejected → Order cancels. The tracker table shows each saga.
 */
export class PlaceOrderChoreographyStack extends Stack {
  public readonly order: Participant;
  public readonly inventory: Participant;
  public readonly payment: Participant;
  public readonly shipping: Participant;
  public readonly choreography: Choreography;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const participant = (name: string, file: string) =>
      new Participant(this, name, { entry: path.join(examples, file) });
    this.order = participant('Order', 'order.ts');
    this.inventory = participant('Inventory', 'inventory.ts');
    this.payment = participant('Payment', 'payment.ts');
    this.shipping = participant('Shipping', 'shipping.ts');

    this.choreography = new Choreography(this, 'PlaceOrderChoreography', {
      sagaName: PLACE_ORDER_SAGA,
      participants: [
        {
          member: this.order,
          consumes: [E.orderShipped, E.stockReleased, E.stockRejected],
          emits: { [E.orderPlaced]: T[E.orderPlaced], [E.orderCancelled]: T[E.orderCancelled] },
        },
        {
          member: this.inventory,
          consumes: [E.orderPlaced, E.paymentFailed],
          emits: {
            [E.stockReserved]: T[E.stockReserved],
            [E.stockRejected]: T[E.stockRejected],
            [E.stockReleased]: T[E.stockReleased],
          },
        },
        {
          member: this.payment,
          consumes: [E.stockReserved],
          emits: { [E.paymentCharged]: T[E.paymentCharged], [E.paymentFailed]: T[E.paymentFailed] },
        },
        {
          member: this.shipping,
          consumes: [E.paymentCharged],
          emits: { [E.orderShipped]: T[E.orderShipped] },
        },
      ],
    });
  }
}
