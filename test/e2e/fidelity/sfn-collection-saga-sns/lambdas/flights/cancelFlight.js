const { DynamoDB } = require('@aws-sdk/client-dynamodb');

exports.handler = async (event) => {
  console.log('request:', JSON.stringify(event, undefined, 2));

  let reservationID = '';
  if (typeof event.ReserveFlightResult !== 'undefined') {
    reservationID = event.ReserveFlightResult.Payload.booking_id;
  }

  const dynamo = new DynamoDB();

  var params = {
    TableName: process.env.TABLE_NAME,
    Key: {
      pk: { S: event.trip_id },
      sk: { S: 'FLIGHT#' + reservationID },
    },
  };

  // Call DynamoDB to delete the item from the table
  const result = await dynamo.deleteItem(params).catch((error) => {
    throw new Error(error);
  });

  console.log('deleted flight reservation:');
  console.log(result);

  return { status: 'ok' };
};
