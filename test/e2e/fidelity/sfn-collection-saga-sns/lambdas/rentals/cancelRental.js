const { DynamoDB } = require('@aws-sdk/client-dynamodb');

exports.handler = async (event) => {
  console.log('request:', JSON.stringify(event, undefined, 2));

  let reservationID = '';
  if (typeof event.ReserveCarRentalResult !== 'undefined') {
    reservationID = event.ReserveCarRentalResult.Payload.booking_id;
  }

  const dynamo = new DynamoDB();

  var params = {
    TableName: process.env.TABLE_NAME,
    Key: {
      pk: { S: event.trip_id },
      sk: { S: 'CAR#' + reservationID },
    },
  };

  // Call DynamoDB to delete the item from the table
  const result = await dynamo.deleteItem(params).catch((error) => {
    throw new Error(error);
  });

  console.log('deleted car rental  reservation:');
  console.log(result);

  return { status: 'ok' };
};
