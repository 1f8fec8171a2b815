const { DynamoDB } = require('@aws-sdk/client-dynamodb');

exports.handler = async (event) => {
  console.log('request:', JSON.stringify(event, undefined, 2));

  let flightReservationID = '';
  if (typeof event.ReserveFlightResult !== 'undefined') {
    flightReservationID = event.ReserveFlightResult.Payload.booking_id;
  }

  const carReservationID = '';
  if (typeof event.ReserveCarRentalResult !== 'undefined') {
    flightReservationID = event.ReserveCarRentalResult.Payload.booking_id;
  }

  const paymentID = hashIt('' + flightReservationID + carReservationID);

  // Pass the parameter to fail this step
  if (event.run_type === 'failPayment') {
    throw new Error('Failed to process payment');
  }

  // create AWS SDK clients
  const dynamo = new DynamoDB();

  var params = {
    TableName: process.env.TABLE_NAME,
    Item: {
      pk: { S: event.trip_id },
      sk: { S: paymentID },
      trip_id: { S: event.trip_id },
      id: { S: paymentID },
      amount: { S: '750.00' },
      currency: { S: 'USD' },
      transaction_status: { S: 'confirmed' },
    },
  };

  // Call DynamoDB to add the item to the table
  const result = await dynamo.putItem(params).catch((error) => {
    throw new Error(error);
  });

  console.log('Payment Processed Successfully:');
  console.log(result);

  // return status of ok
  return {
    status: 'ok',
    payment_id: paymentID,
  };
};

function hashIt(s) {
  let myHash;

  for (let i = 0; i < s.length; i++) {
    myHash = (Math.imul(31, myHash) + s.charCodeAt(i)) | 0;
  }

  return '' + Math.abs(myHash);
}
