const { PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { dynamo, hashCode } = require('../shared');

exports.handler = async (event) => {
  let flightBookingID = '';
  if (typeof event.ReserveFlightResult !== 'undefined') {
    flightBookingID = event.ReserveFlightResult.Payload.booking_id;
  }
  let hotelBookingID = '';
  if (typeof event.ReserveHotelResult !== 'undefined') {
    hotelBookingID = event.ReserveHotelResult.Payload.booking_id;
  }
  const paymentID = hashCode('' + event.trip_id + hotelBookingID + flightBookingID);
  if (event.run_type === 'failPayment') {
    throw new Error('Failed to book the flights');
  }
  await dynamo.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        pk: { S: event.trip_id },
        sk: { S: 'PAYMENT#' + paymentID },
        type: { S: 'Payment' },
        trip_id: { S: event.trip_id },
        id: { S: paymentID },
        amount: { S: '450.00' },
        currency: { S: 'USD' },
        transaction_status: { S: 'confirmed' },
      },
    }),
  );
  return { status: 'ok', payment_id: paymentID };
};
