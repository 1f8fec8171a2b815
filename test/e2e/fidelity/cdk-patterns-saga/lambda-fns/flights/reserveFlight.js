const { PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { dynamo, hashCode } = require('../shared');

exports.handler = async (event) => {
  console.log('request:', JSON.stringify(event, undefined, 2));
  const flightBookingID = hashCode('' + event.trip_id + event.depart + event.arrive);
  if (event.run_type === 'failFlightsReservation') {
    throw new Error('Failed to book the flights');
  }
  await dynamo.send(
    new PutItemCommand({
      TableName: process.env.TABLE_NAME,
      Item: {
        pk: { S: event.trip_id },
        sk: { S: 'FLIGHT#' + flightBookingID },
        type: { S: 'Flight' },
        trip_id: { S: event.trip_id },
        id: { S: flightBookingID },
        depart: { S: event.depart },
        depart_at: { S: event.depart_at },
        arrive: { S: event.arrive },
        arrive_at: { S: event.arrive_at },
        transaction_status: { S: 'pending' },
      },
    }),
  );
  return { status: 'ok', booking_id: flightBookingID };
};
