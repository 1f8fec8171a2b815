// Ported: the sample's handlers created an AWS SDK v2 client per call; the Node.js 22 runtime
// provides SDK v3 only, so they share this v3 client.
const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');

exports.dynamo = new DynamoDBClient({});

exports.hashCode = function hashCode(s) {
  let h;
  for (let i = 0; i < s.length; i++) {
    h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  }
  return '' + Math.abs(h);
};
