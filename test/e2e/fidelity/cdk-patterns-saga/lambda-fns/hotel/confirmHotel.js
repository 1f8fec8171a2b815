const { UpdateItemCommand } = require('@aws-sdk/client-dynamodb');
const { dynamo } = require('../shared');

exports.handler = async (event) => {
  let bookingID = '';
  if (event.run_type === 'failHotelConfirmation') {
    throw new Error('Failed to confirm the hotel booking');
  }
  if (typeof event.ReserveHotelResult !== 'undefined') {
    bookingID = event.ReserveHotelResult.Payload.booking_id;
  }
  await dynamo.send(
    new UpdateItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { pk: { S: event.trip_id }, sk: { S: 'HOTEL#' + bookingID } },
      UpdateExpression: 'set transaction_status = :booked',
      ExpressionAttributeValues: { ':booked': { S: 'confirmed' } },
    }),
  );
  return { status: 'ok', booking_id: bookingID };
};
