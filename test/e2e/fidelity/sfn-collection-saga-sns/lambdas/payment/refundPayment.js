const { DynamoDB } = require('@aws-sdk/client-dynamodb');

exports.handler = async (event) => {
  console.log('request:', JSON.stringify(event, undefined, 2));

  let paymentID = '';
  if (typeof event.ProcessPaymentResult !== 'undefined') {
    paymentID = event.ProcessPaymentResult.Payload.payment_id;
  }

  const dynamo = new DynamoDB();

  var params = {
    TableName: process.env.TABLE_NAME,
    Key: {
      pk: { S: event.trip_id },
      sk: { S: paymentID },
    },
  };

  // Call DynamoDB to remove the item from the table
  const result = await dynamo.deleteItem(params).catch((error) => {
    throw new Error(error);
  });

  console.log('Payment has been refunded');
  console.log(result);

  return {
    status: 'ok',
  };
};
