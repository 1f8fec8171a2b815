// Ported from aws-samples/step-functions-workflows-collection, transfer-data-records/template.yml
// (SAM, MIT-0, see LICENSE beside this file) to CDK v2 TypeScript, resource by resource. Changes,
// see README.md: statemachine.asl.json named one account's function, table and queue, so it names
// the template's DefinitionSubstitutions instead; sqsQueueUrl is the queue's URL (the template gave
// its ARN); the seeding function's inline code moves from Node.js 14 and AWS SDK v2 to Node.js 22
// and SDK v3's document client, callbacks kept; CDK's grants stand for the hand-written roles.
import { fileURLToPath } from 'node:url';
import { App, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

// The template's ZipFile, with `require('aws-sdk')` and `new AWS.DynamoDB.DocumentClient()` in SDK
// v3: client-dynamodb's `DynamoDB`, whose putItem takes typed attribute values and a callback.
const seedingCode = `console.log('Loading function');
const { DynamoDB } = require('@aws-sdk/client-dynamodb');

exports.lambda_handler = (event, context, callback) => {
    var docClient = new DynamoDB();
    var messageIds = []

    for (var i = 0; i < 10; i++) {
      console.log("Adding a new item...");
      var messageId = "MessageNo" + i.toString();
      messageIds.push(messageId);

      var message = "Hi! This is message no " + i.toString();
      var params = {
          TableName: "\${ddbTableName}",
          Item:{
              "MessageId": { S: messageId },
              "Message": { S: message }
          }
      };
      docClient.putItem(params, function(err, data) {
          if (err) {
              console.error("Unable to add item. Error JSON:", JSON.stringify(err, null, 2));
          } else {
              console.log("Added item:", JSON.stringify(data, null, 2));
          }
      });
    };
    messageIds.push("DONE");
    callback(null, messageIds);
};`;

export class TransferDataRecordsStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const table = new dynamodb.Table(this, 'DDBTable', {
      partitionKey: { name: 'MessageId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PROVISIONED,
      readCapacity: 10,
      writeCapacity: 10,
    });
    const queue = new sqs.Queue(this, 'SQSQueue', { encryption: sqs.QueueEncryption.SQS_MANAGED });

    const seedingFunction = new lambda.Function(this, 'SeedingFunction', {
      handler: 'index.lambda_handler',
      code: lambda.Code.fromInline(Fn.sub(seedingCode, { ddbTableName: table.tableName })),
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: Duration.seconds(60),
    });
    table.grantWriteData(seedingFunction);

    const machine = new sfn.StateMachine(this, 'DynamoDBToSQSStateMachine', {
      definitionBody: sfn.DefinitionBody.fromFile(
        fileURLToPath(new URL('./statemachine/statemachine.asl.json', import.meta.url)),
      ),
      definitionSubstitutions: {
        ddbTableName: table.tableName,
        sqsQueueUrl: queue.queueUrl,
        seedingFunctionArn: seedingFunction.functionArn,
      },
    });
    table.grantReadData(machine);
    queue.grantSendMessages(machine);
    seedingFunction.grantInvoke(machine);
  }
}

export function buildTransferDataRecordsSample(): App {
  const app = new App();
  new TransferDataRecordsStack(app, 'TransferDataRecords');
  return app;
}
