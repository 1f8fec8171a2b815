import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import {
  acknowledgeSqsMappings,
  NotificationChannel,
  NotificationTarget,
  OutboxRelay,
  Participant,
  Saga,
} from 'stepsaga';

const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'functions', 'examples');

/** The order-history consumer's timeout; the queue's visibility timeout is 6 × this (AWS's guidance). */
const ORDER_HISTORY_TIMEOUT = Duration.seconds(10);

/**
 * The example order saga: reserve stock, charge the card, ship. Shipping is the pivot: once the
 * parcel is handed over nothing is undone; a failure before it releases stock and refunds.
 * Input: `{ orderId, customerId, sku, quantity, amount }`, amount in integer cents.
 *
 * Around the saga, the two event paths: each participant's outbox is relayed to one `order-events`
 * queue, which the order-history consumer applies once per event (inbox); and the saga publishes
 * its outcome (succeeded, compensated, parked) to a notification channel whose target is a function
 * that records what it was told.
 */
export class PlaceOrderStack extends Stack {
  public readonly inventory: Participant;
  public readonly payment: Participant;
  public readonly shipping: Participant;
  public readonly placeOrder: Saga;
  /** Where all three participants' outbox events go (standard queue; the consumer's inbox dedupes). */
  public readonly orderEvents: sqs.Queue;
  public readonly orderEventsDeadLetterQueue: sqs.Queue;
  /** One relay per participant table, all to {@link orderEvents}. */
  public readonly relays: readonly OutboxRelay[];
  /** Consumes {@link orderEvents} into the order-history read model (its own table). */
  public readonly orderHistory: Participant;
  /** PlaceOrder's outcome messages, delivered to {@link outcomeLog}. */
  public readonly outcomes: NotificationChannel;
  /** The outcome channel's target: records each outcome in its own table. */
  public readonly outcomeLog: Participant;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.inventory = new Participant(this, 'Inventory', {
      entry: path.join(examples, 'inventory', 'handler.ts'),
      actions: ['reserve'],
      compensations: ['release'],
    });
    this.payment = new Participant(this, 'Payment', {
      entry: path.join(examples, 'payment', 'handler.ts'),
      actions: ['charge'],
      compensations: ['refund'],
    });
    this.shipping = new Participant(this, 'Shipping', {
      entry: path.join(examples, 'shipping', 'handler.ts'),
      actions: ['ship'],
    });

    this.orderEventsDeadLetterQueue = new sqs.Queue(this, 'OrderEventsDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const dlqReason =
      'This queue is the dead-letter queue of the order-events queue: messages arrive here after 5 failed receives, and an operator redrives them (stepsaga dlq redrive).';
    Validations.of(this.orderEventsDeadLetterQueue.node.defaultChild as IConstruct).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );
    this.orderEvents = new sqs.Queue(this, 'OrderEvents', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      visibilityTimeout: Duration.seconds(ORDER_HISTORY_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: this.orderEventsDeadLetterQueue, maxReceiveCount: 5 },
    });
    this.relays = (
      [
        ['Inventory', this.inventory],
        ['Payment', this.payment],
        ['Shipping', this.shipping],
      ] as const
    ).map(
      ([name, participant]) =>
        new OutboxRelay(this, `EventsFrom${name}`, { table: participant.table, queue: this.orderEvents }),
    );

    this.orderHistory = new Participant(this, 'OrderHistory', {
      entry: path.join(examples, 'order-events', 'handler.ts'),
      timeout: ORDER_HISTORY_TIMEOUT,
    });
    this.orderHistory.function.addEventSource(
      new sources.SqsEventSource(this.orderEvents, { batchSize: 10, reportBatchItemFailures: true }),
    );

    this.outcomeLog = new Participant(this, 'OutcomeLog', {
      entry: path.join(examples, 'notifications', 'handler.ts'),
    });
    this.outcomes = new NotificationChannel(this, 'OrderOutcomes', {
      target: NotificationTarget.lambda(this.outcomeLog.function),
    });

    // The consumer's mapping is this app's own choice, so its finding is answered here; the
    // relays and the channel answer theirs themselves.
    acknowledgeSqsMappings(this.orderHistory.function);

    this.placeOrder = new Saga(this, 'PlaceOrder', {
      steps: [
        { name: 'ReserveInventory', participant: this.inventory, action: 'reserve', compensation: 'release' },
        { name: 'ChargePayment', participant: this.payment, action: 'charge', compensation: 'refund' },
        { name: 'ShipOrder', participant: this.shipping, action: 'ship', kind: 'pivot' },
      ],
      // Operators act on sagas that compensated or parked; publishing every success too would cost
      // one more state transition per order, and PlaceOrder keeps its happy path at N+1.
      outcomes: { channel: this.outcomes, publish: ['SagaCompensated', 'SagaParked'] },
    });
  }
}
