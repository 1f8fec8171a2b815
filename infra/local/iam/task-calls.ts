import type { TaskBinding } from '../stepfunctions/definition.js';
import { TaskFailure } from '../stepfunctions/task-failure.js';
import type { AccessDeniedError } from './iam-authorizer.js';
import {
  type ArnScope,
  eventBridgeCalls,
  functionArn,
  type IamCall,
  sqsCalls,
  tableArn,
} from './request-actions.js';

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The calls a Task state makes with the state machine's role, from its binding and evaluated Parameters. */
export function taskCalls(scope: ArnScope, binding: TaskBinding, input: unknown): IamCall[] | undefined {
  const p = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  switch (binding.kind) {
    case 'lambda-function':
      return [{ action: 'lambda:InvokeFunction', resource: functionArn(scope, binding.functionName) }];
    case 'lambda-invoke': {
      const name = str(p.FunctionName);
      return name
        ? [{ action: 'lambda:InvokeFunction', resource: functionArn(scope, name, str(p.Qualifier)) }]
        : undefined;
    }
    case 'sqs-send':
      return sqsCalls(scope, 'SendMessage', p);
    case 'dynamodb': {
      const table = str(p.TableName);
      const action = `dynamodb:${binding.action[0]?.toUpperCase()}${binding.action.slice(1)}`;
      return table ? [{ action, resource: tableArn(scope, table) }] : undefined;
    }
    case 'sns-publish': {
      const topic = str(p.TopicArn) ?? str(p.TargetArn);
      return topic ? [{ action: 'sns:Publish', resource: topic }] : undefined;
    }
    case 'events-put':
      return eventBridgeCalls(scope, 'PutEvents', p);
    case 'states-start': {
      const machine = str(p.StateMachineArn);
      return machine ? [{ action: 'states:StartExecution', resource: machine }] : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The error Step Functions reports for a task its role may not run: the integration's SDK exception
 * name (`Lambda.AWSLambdaException`, `DynamoDB.AmazonDynamoDBException`, ...) with the service's
 * AccessDenied message and the SDK's error details as the cause.
 */
export function taskAccessDenied(binding: TaskBinding, denied: AccessDeniedError): TaskFailure {
  const [error, service, status, code] = (
    {
      'lambda-function': ['Lambda.AWSLambdaException', 'AWSLambda', 403, 'AccessDeniedException'],
      'lambda-invoke': ['Lambda.AWSLambdaException', 'AWSLambda', 403, 'AccessDeniedException'],
      dynamodb: ['DynamoDB.AmazonDynamoDBException', 'AmazonDynamoDBv2', 400, 'AccessDeniedException'],
      'sqs-send': ['SQS.AmazonSQSException', 'AmazonSQS', 403, 'AccessDenied'],
      'sns-publish': ['SNS.AuthorizationErrorException', 'AmazonSNS', 403, 'AuthorizationError'],
      'events-put': [
        'EventBridge.AmazonEventBridgeException',
        'AmazonEventBridge',
        400,
        'AccessDeniedException',
      ],
      'states-start': [
        'StepFunctions.AWSStepFunctionsException',
        'AWSStepFunctions',
        400,
        'AccessDeniedException',
      ],
    } as Record<string, [string, string, number, string]>
  )[binding.kind] ?? ['States.TaskFailed', 'AWS', 400, 'AccessDeniedException'];
  return new TaskFailure(
    error,
    `${denied.message} (Service: ${service}; Status Code: ${status}; Error Code: ${code}; Request ID: ${crypto.randomUUID()}; Proxy: null)`,
  );
}
