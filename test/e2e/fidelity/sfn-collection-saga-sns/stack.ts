// Ported from aws-samples/step-functions-workflows-collection, saga-pattern-cdk/lib/stateMachine.ts
// and lib/cdk-serverless-saga-stack.ts (MIT-0, see LICENSE beside this file). Already CDK v2; the
// changes are only those the Node.js 22 runtime and the test need, see README.md: the handlers are
// plain CommonJS `.js` with the AWS SDK v3 the runtime provides (lambda.Function over an asset, in
// place of NodejsFunction bundling TypeScript written against SDK v2, which Node.js 22 lacks); the
// API Gateway front and its start-execution function are left out; an SQS queue is subscribed to the
// topic beside the SMS subscription so that the test can read what was published.
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

const lambdas = fileURLToPath(new URL('./lambdas', import.meta.url));

export class StateMachine extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);

    const flightTable = new dynamodb.Table(this, 'Flights', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const rentalTable = new dynamodb.Table(this, 'Rentals', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const paymentTable = new dynamodb.Table(this, 'Payments', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const reserveFlightLambda = this.createLambda(
      this,
      'reserveFlightLambdaHandler',
      'flights/reserveFlight',
      flightTable,
    );
    const confirmFlightLambda = this.createLambda(
      this,
      'confirmFlightLambdaHandler',
      'flights/confirmFlight',
      flightTable,
    );
    const cancelFlightLambda = this.createLambda(
      this,
      'cancelFlightLambdaHandler',
      'flights/cancelFlight',
      flightTable,
    );
    const reserveRentalLambda = this.createLambda(
      this,
      'reserveRentalLambdaHandler',
      'rentals/reserveRental',
      rentalTable,
    );
    const confirmRentalLambda = this.createLambda(
      this,
      'confirmRentalLambdaHandler',
      'rentals/confirmRental',
      rentalTable,
    );
    const cancelRentalLambda = this.createLambda(
      this,
      'cancelRentalLambdaHandler',
      'rentals/cancelRental',
      rentalTable,
    );
    const processPaymentLambda = this.createLambda(
      this,
      'processPaymentLambdaHandler',
      'payment/processPayment',
      paymentTable,
    );
    const refundPaymentLambda = this.createLambda(
      this,
      'refundPaymentLambdaHandler',
      'payment/refundPayment',
      paymentTable,
    );

    const reservationFailed = new sfn.Fail(this, 'Reservation Failed', { error: 'Job Failed' });
    const reservationSucceeded = new sfn.Succeed(this, 'Reservation Successful!');

    const topic = new sns.Topic(this, 'Topic');
    topic.addSubscription(new subscriptions.SmsSubscription('+11111111111'));
    // Added for the test: SMS is not observable, a queue subscriber is.
    const subscriber = new sqs.Queue(this, 'NotificationsSubscriber');
    topic.addSubscription(new subscriptions.SqsSubscription(subscriber));
    const snsNotificationFailure = new tasks.SnsPublish(this, 'SendingSMSFailure', {
      topic: topic,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      message: sfn.TaskInput.fromText('Your Travel Reservation Failed'),
    });
    const snsNotificationSuccess = new tasks.SnsPublish(this, 'SendingSMSSuccess', {
      topic: topic,
      integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
      message: sfn.TaskInput.fromText('Your Travel Reservation is Successful'),
    });

    const cancelFlightReservation = new tasks.LambdaInvoke(this, 'CancelFlightReservation', {
      lambdaFunction: cancelFlightLambda,
      resultPath: '$.CancelFlightReservationResult',
    })
      .addRetry({ maxAttempts: 3 })
      .next(snsNotificationFailure)
      .next(reservationFailed);
    const reserveFlight = new tasks.LambdaInvoke(this, 'ReserveFlight', {
      lambdaFunction: reserveFlightLambda,
      resultPath: '$.ReserveFlightResult',
    }).addCatch(cancelFlightReservation, { resultPath: '$.ReserveFlightError' });

    const cancelRentalReservation = new tasks.LambdaInvoke(this, 'CancelRentalReservation', {
      lambdaFunction: cancelRentalLambda,
      resultPath: '$.CancelRentalReservationResult',
    })
      .addRetry({ maxAttempts: 3 })
      .next(cancelFlightReservation);
    const reserveCarRental = new tasks.LambdaInvoke(this, 'ReserveCarRental', {
      lambdaFunction: reserveRentalLambda,
      resultPath: '$.ReserveCarRentalResult',
    }).addCatch(cancelRentalReservation, { resultPath: '$.ReserveCarRentalError' });

    const refundPayment = new tasks.LambdaInvoke(this, 'RefundPayment', {
      lambdaFunction: refundPaymentLambda,
      resultPath: '$.RefundPaymentResult',
    })
      .addRetry({ maxAttempts: 3 })
      .next(cancelRentalReservation);
    const processPayment = new tasks.LambdaInvoke(this, 'ProcessPayment', {
      lambdaFunction: processPaymentLambda,
      resultPath: '$.ProcessPaymentResult',
    }).addCatch(refundPayment, { resultPath: '$.ProcessPaymentError' });

    const confirmFlight = new tasks.LambdaInvoke(this, 'ConfirmFlight', {
      lambdaFunction: confirmFlightLambda,
      resultPath: '$.ConfirmFlightResult',
    }).addCatch(refundPayment, { resultPath: '$.ConfirmFlightError' });
    const confirmCarRental = new tasks.LambdaInvoke(this, 'ConfirmCarRental', {
      lambdaFunction: confirmRentalLambda,
      resultPath: '$.ConfirmCarRentalResult',
    }).addCatch(refundPayment, { resultPath: '$.ConfirmCarRentalError' });

    const definition = sfn.Chain.start(reserveFlight)
      .next(reserveCarRental)
      .next(processPayment)
      .next(confirmFlight)
      .next(confirmCarRental)
      .next(snsNotificationSuccess)
      .next(reservationSucceeded);

    new sfn.StateMachine(this, 'StateMachine', { definition });
  }

  createLambda(scope: Construct, id: string, handler: string, table: dynamodb.Table) {
    const fn = new lambda.Function(scope, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      code: lambda.Code.fromAsset(lambdas),
      handler: `${handler}.handler`,
      environment: { TABLE_NAME: table.tableName },
    });
    table.grantReadWriteData(fn);
    return fn;
  }
}

export class CdkServerlessSagaStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    new StateMachine(this, 'StateMachine');
  }
}

export function buildSnsSagaSample(): App {
  const app = new App();
  new CdkServerlessSagaStack(app, 'CdkServerlessSagaStack');
  return app;
}
