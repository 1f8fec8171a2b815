const { PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { dynamo, hashCode } = require('../shared');

exports.handler = async (event) => {
  console.log('request:', JSON.stringify(event, undefined, 2));
  const hotelBookingID = hashCode('' + event.trip_id + event.hotel + event.check_in);
  if (event.run_type === 'failHotelReservation') {
    throw new Error('Failed to reserve the hotel');
  }
  await dynamo.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        pk: { S: event.trip_id },
        sk: { S: 'HOTEL#' + hotelBookingID },
        trip_id: { S: event.trip_id },
        type: { S: 'Hotel' },
        id: { S: hotelBookingID },
        hotel: { S: event.hotel },
        check_in: { S: event.check_in },
        check_out: { S: event.check_out },
        transaction_status: { S: 'pending' },
      },
    }),
  );
  return { status: 'ok', booking_id: hotelBookingID };
};
