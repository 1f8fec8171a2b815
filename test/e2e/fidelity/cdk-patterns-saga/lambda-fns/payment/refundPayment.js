const { DeleteItemCommand } = require('@aws-sdk/client-dynamodb');
const { dynamo } = require('../shared');

exports.handler = async (event) => {
  if (Math.random() < 0.4) {
    throw new Error('Internal Server Error');
  }
  let paymentID = '';
  if (typeof event.TakePaymentResult !== 'undefined') {
    paymentID = event.TakePaymentResult.Payload.payment_id;
  }
  await dynamo.send(
    new DeleteItemCommand({
      TableName: process.env.TABLE_NAME,
      Key: { pk: { S: event.trip_id }, sk: { S: 'PAYMENT#' + paymentID } },
    }),
  );
  return { status: 'ok' };
};
