import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { acknowledgeSqsMappings, OutboxRelay, Participant, Saga } from 'stepsaga';

const trip = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'functions', 'examples', 'trip');
const BANK_TIMEOUT = Duration.seconds(10);

export interface BookTripStackProps extends StackProps {
  /**
   * How long BookTrip waits for the bank's answer before it compensates.
   * @default Duration.minutes(15)
   */
  readonly paymentAnswerTimeout?: Duration;
}

/**
 * The example trip saga, one of each step form: the hotel and the flight are booked at the same
 * time (a parallel group), the payment waits for the bank to authorize it (a callback step answered
 * by a simulated bank webhook fed from the payment's outbox), the car comes from the car team's own
 * RentCar saga (a child saga, undone by their ReturnCar saga), and ConfirmTrip is the pivot.
 * Input: `{ tripId, customerId, amount, failAt? }`.
 */
export class BookTripStack extends Stack {
  public readonly hotel: Participant;
  public readonly flight: Participant;
  public readonly payment: Participant;
  public readonly itinerary: Participant;
  public readonly cars: Participant;
  /** The simulated bank: answers authorization requests on their task tokens. */
  public readonly bank: Participant;
  public readonly bankRequests: sqs.Queue;
  public readonly rentCar: Saga;
  public readonly returnCar: Saga;
  public readonly bookTrip: Saga;

  constructor(scope: Construct, id: string, props: BookTripStackProps = {}) {
    super(scope, id, props);
    const participant = (name: string, file: string, actions: string[], compensations: string[] = []) =>
      new Participant(this, name, { entry: path.join(trip, file), actions, compensations });
    this.hotel = participant('Hotel', 'hotel-handler.ts', ['book'], ['cancel']);
    this.flight = participant('Flight', 'flight-handler.ts', ['book'], ['cancel']);
    this.itinerary = participant('Itinerary', 'itinerary-handler.ts', ['book'], ['cancel']);
    this.payment = participant('TripPayment', 'payment-handler.ts', ['requestAuthorization'], ['void']);
    this.cars = participant('Cars', 'car-handler.ts', ['rent', 'return']);

    const dlq = new sqs.Queue(this, 'BankRequestsDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const dlqReason = 'This queue is the dead-letter queue of the bank-requests queue.';
    Validations.of(dlq.node.defaultChild as IConstruct).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );
    this.bankRequests = new sqs.Queue(this, 'BankRequests', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(BANK_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: dlq, maxReceiveCount: 5 },
    });
    new OutboxRelay(this, 'EventsFromTripPayment', { table: this.payment.table, queue: this.bankRequests });
    this.bank = new Participant(this, 'Bank', {
      entry: path.join(trip, 'bank-handler.ts'),
      timeout: BANK_TIMEOUT,
    });
    this.bank.function.addEventSource(
      new sources.SqsEventSource(this.bankRequests, { batchSize: 10, reportBatchItemFailures: true }),
    );
    acknowledgeSqsMappings(this.bank.function);

    this.rentCar = new Saga(this, 'RentCar', {
      steps: [{ name: 'Rent', participant: this.cars, action: 'rent', kind: 'pivot' }],
    });
    this.returnCar = new Saga(this, 'ReturnCar', {
      steps: [{ name: 'Return', participant: this.cars, action: 'return', kind: 'pivot' }],
    });
    this.bookTrip = new Saga(this, 'BookTrip', {
      steps: [
        {
          name: 'BookTravel',
          parallel: [
            { name: 'BookHotel', participant: this.hotel, action: 'book', compensation: 'cancel' },
            { name: 'BookFlight', participant: this.flight, action: 'book', compensation: 'cancel' },
          ],
        },
        {
          name: 'AuthorizePayment',
          participant: this.payment,
          action: 'requestAuthorization',
          compensation: 'void',
          callback: { timeout: props.paymentAnswerTimeout ?? Duration.minutes(15) },
        },
        { name: 'RentCar', childSaga: this.rentCar, compensationSaga: this.returnCar },
        { name: 'ConfirmTrip', participant: this.itinerary, action: 'book', kind: 'pivot' },
      ],
    });
    this.bookTrip.stateMachine.grantTaskResponse(this.bank.function);
  }
}
