const { DeleteItemCommand } = require('@aws-sdk/client-dynamodb');
const { dynamo } = require('../shared');

exports.handler = async (event) => {
  // The sample fails 40% of cancellations to show the Retry on compensations.
  if (Math.random() < 0.4) {
    throw new Error('Internal Server Error');
  }
  let bookingID = '';
  if (typeof event.ReserveFlightResult !== 'undefined') {
    bookingID = event.ReserveFlightResult.Payload.booking_id;
  }
  await dynamo.send(
    new DeleteItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { pk: { S: event.trip_id }, sk: { S: 'FLIGHT#' + bookingID } },
    }),
  );
  return { status: 'ok' };
};
