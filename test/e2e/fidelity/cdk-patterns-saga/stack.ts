// Ported from cdk-patterns/serverless, the-saga-stepfunction/typescript/lib/the-saga-stepfunction-single-table-stack.ts
// (MIT, see LICENSE beside this file). Changes, only as far as CDK v2 and the Node.js 22 runtime
// require: aws-cdk-lib imports; sfn.Task + tasks.RunLambdaTask (removed in v2) become
// tasks.LambdaInvoke with the same resource, payload and result (the whole Lambda response, so the
// handlers keep reading `.Payload`); Node.js 12 becomes 22; `definition` becomes `definitionBody`.
// The API Gateway front and its start-execution function are left out: they only start the machine.
import { fileURLToPath } from 'node:url';
import { App, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

const lambdaFns = fileURLToPath(new URL('./lambda-fns', import.meta.url));

export class TheSagaStepfunctionSingleTableStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const bookingsTable = new dynamodb.Table(this, 'Bookings', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    });

    const reserveFlightLambda = this.createLambda(
      this,
      'reserveFlightLambdaHandler',
      'flights/reserveFlight.handler',
      bookingsTable,
    );
    const confirmFlightLambda = this.createLambda(
      this,
      'confirmFlightLambdaHandler',
      'flights/confirmFlight.handler',
      bookingsTable,
    );
    const cancelFlightLambda = this.createLambda(
      this,
      'cancelFlightLambdaHandler',
      'flights/cancelFlight.handler',
      bookingsTable,
    );
    const reserveHotelLambda = this.createLambda(
      this,
      'reserveHotelLambdaHandler',
      'hotel/reserveHotel.handler',
      bookingsTable,
    );
    const confirmHotellambda = this.createLambda(
      this,
      'confirmHotelLambdaHandler',
      'hotel/confirmHotel.handler',
      bookingsTable,
    );
    const cancelHotelLambda = this.createLambda(
      this,
      'cancelHotelLambdaHandler',
      'hotel/cancelHotel.handler',
      bookingsTable,
    );
    const takePaymentLambda = this.createLambda(
      this,
      'takePaymentLambdaHandler',
      'payment/takePayment.handler',
      bookingsTable,
    );
    const refundPaymentLambda = this.createLambda(
      this,
      'refundPaymentLambdaHandler',
      'payment/refundPayment.handler',
      bookingsTable,
    );

    const bookingFailed = new sfn.Fail(this, "Sorry, We Couldn't make the booking", {});
    const bookingSucceeded = new sfn.Succeed(this, 'We have made your booking!');

    // RunLambdaTask's shape: the whole invocation response at resultPath, no retry of its own.
    const task = (id: string, fn: lambda.IFunction, resultPath: string) =>
      new tasks.LambdaInvoke(this, id, { lambdaFunction: fn, resultPath, retryOnServiceExceptions: false });

    const cancelHotelReservation = task(
      'CancelHotelReservation',
      cancelHotelLambda,
      '$.CancelHotelReservationResult',
    )
      .addRetry({ maxAttempts: 3 })
      .next(bookingFailed);
    const reserveHotel = task('ReserveHotel', reserveHotelLambda, '$.ReserveHotelResult').addCatch(
      cancelHotelReservation,
      { resultPath: '$.ReserveHotelError' },
    );
    const cancelFlightReservation = task(
      'CancelFlightReservation',
      cancelFlightLambda,
      '$.CancelFlightReservationResult',
    )
      .addRetry({ maxAttempts: 3 })
      .next(cancelHotelReservation);
    const reserveFlight = task('ReserveFlight', reserveFlightLambda, '$.ReserveFlightResult').addCatch(
      cancelFlightReservation,
      { resultPath: '$.ReserveFlightError' },
    );
    const refundPayment = task('RefundPayment', refundPaymentLambda, '$.RefundPaymentResult')
      .addRetry({ maxAttempts: 3 })
      .next(cancelFlightReservation);
    const takePayment = task('TakePayment', takePaymentLambda, '$.TakePaymentResult').addCatch(
      refundPayment,
      {
        resultPath: '$.TakePaymentError',
      },
    );
    const confirmHotelBooking = task(
      'ConfirmHotelBooking',
      confirmHotellambda,
      '$.ConfirmHotelBookingResult',
    ).addCatch(refundPayment, { resultPath: '$.ConfirmHotelBookingError' });
    const confirmFlight = task('ConfirmFlight', confirmFlightLambda, '$.ConfirmFlightResult').addCatch(
      refundPayment,
      {
        resultPath: '$.ConfirmFlightError',
      },
    );

    const definition = sfn.Chain.start(reserveHotel)
      .next(reserveFlight)
      .next(takePayment)
      .next(confirmHotelBooking)
      .next(confirmFlight)
      .next(bookingSucceeded);

    new sfn.StateMachine(this, 'BookingSaga', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(5),
    });
  }

  createLambda(scope: Stack, id: string, handler: string, table: dynamodb.Table) {
    const fn = new lambda.Function(scope, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      code: lambda.Code.fromAsset(lambdaFns),
      handler,
      environment: { TABLE_NAME: table.tableName },
    });
    table.grantReadWriteData(fn);
    return fn;
  }
}

export function buildSagaSample(): App {
  const app = new App();
  new TheSagaStepfunctionSingleTableStack(app, 'TheSagaStepfunctionSingleTableStack');
  return app;
}
