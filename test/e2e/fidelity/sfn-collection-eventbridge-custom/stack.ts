// Ported from aws-samples/step-functions-workflows-collection, eventbridge-custom-cdk (MIT-0, see
// LICENSE beside this file): eventbridge_custom_cdk/eventbridge_custom_cdk_stack.py and app.py,
// from CDK v2 Python to CDK v2 TypeScript construct by construct. statemachine/statemachine.asl.json
// is the sample's file as is. Changes, see README.md: the Python 3.9 inline handler becomes the same
// handler in Node.js (the local cloud runs Node.js functions only); an SQS queue subscribed to the
// topic is added so that the test can read what the rule's SNS target published.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as events_ from 'aws-cdk-lib/aws-events';
import * as targets_ from 'aws-cdk-lib/aws-events-targets';
import * as iam_ from 'aws-cdk-lib/aws-iam';
import * as lambda_ from 'aws-cdk-lib/aws-lambda';
import * as logs_ from 'aws-cdk-lib/aws-logs';
import * as sns_ from 'aws-cdk-lib/aws-sns';
import * as subscriptions_ from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs_ from 'aws-cdk-lib/aws-sqs';
import * as sfn_ from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';

const _project_name = 'sample-stepfunctions-events';
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export class EventbridgeCustomCdkStack extends Stack {
  constructor(scope: Construct, construct_id: string, props?: StackProps) {
    super(scope, construct_id, props);

    // Create the SQS Target
    const queue = new sqs_.Queue(this, 'SQSQueue', { queueName: `${_project_name}-queue` });

    // Create the SNS target
    const topic = new sns_.Topic(this, 'SNSTopic', { topicName: `${_project_name}-topic` });
    // Added for the test: the sample's topic has no subscriber to read.
    const topicSubscriber = new sqs_.Queue(this, 'SNSTopicSubscriber');
    topic.addSubscription(new subscriptions_.SqsSubscription(topicSubscriber));

    // Create the lambda function
    const handler_code = readFileSync(here('./src/handler.js'), 'utf8');
    const lambdaFn = new lambda_.Function(this, 'LambdaFunction', {
      runtime: lambda_.Runtime.NODEJS_22_X,
      code: lambda_.Code.fromInline(handler_code),
      handler: 'index.handler',
      functionName: `${_project_name}-Function`,
    });

    // Create the lambda CW Log for retention and deletion
    new logs_.LogGroup(this, 'FunctionLogGroup', {
      logGroupName: `/aws/lambda/${lambdaFn.functionName}`,
      removalPolicy: RemovalPolicy.DESTROY,
      retention: logs_.RetentionDays.ONE_DAY,
    });

    // Create the EventBridge Bus to receive the custom event
    const bus = new events_.EventBus(this, 'EventBridgeEventBus', {
      eventBusName: `${_project_name}-eventbus`,
    });

    const rule = new events_.Rule(this, 'EventBridgeRule', {
      description: 'Step Function Output Rule',
      eventBus: bus,
      eventPattern: { detailType: ['MessageFromStepFunctions'], source: ['my.statemachine'] },
      targets: [
        new targets_.LambdaFunction(lambdaFn),
        new targets_.SqsQueue(queue),
        new targets_.SnsTopic(topic),
      ],
    });

    // Execution Role
    const sfn_role = new iam_.Role(this, 'StepFunctionExecRole', {
      description: 'Allows AWS Batch submissions and Lambda Execution',
      assumedBy: new iam_.ServicePrincipal('states.amazonaws.com'),
    });

    // read in the asl definition
    const sfn_def = readFileSync(here('./statemachine/statemachine.asl.json'), 'utf8');

    new sfn_.CfnStateMachine(this, 'stateMachine', {
      definitionString: sfn_def,
      definitionSubstitutions: { bus_name: bus.eventBusName },
      stateMachineName: `${_project_name}-statemachine`,
      roleArn: sfn_role.roleArn,
    });

    // Allow State Machine to put events on the Bus
    bus.grantPutEventsTo(sfn_role);

    // Allow EventBridge to invoke Lambda
    lambdaFn.addPermission('EbInvoke', {
      principal: new iam_.ServicePrincipal('events.amazonaws.com'),
      action: 'lambda:invoke',
      sourceArn: rule.ruleArn,
    });

    // Allow EventBridge to publish SQS Message
    queue.addToResourcePolicy(
      new iam_.PolicyStatement({
        actions: ['sqs:SendMessage'],
        // Added: aws-cdk-lib 2.276 refuses a resource-policy statement without a resource (2.47 did not).
        resources: [queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
        principals: [new iam_.ServicePrincipal('events.amazonaws.com')],
      }),
    );

    // Allow Eventbridge to publish SNS Message
    topic.addToResourcePolicy(
      new iam_.PolicyStatement({
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        principals: [new iam_.ServicePrincipal('events.amazonaws.com')],
      }),
    );
  }
}

export function buildEventBridgeCustomSample(): App {
  const app = new App();
  new EventbridgeCustomCdkStack(app, 'EventbridgeCustomCdkStack');
  return app;
}
