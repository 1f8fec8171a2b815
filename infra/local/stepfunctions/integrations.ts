import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { TaskBinding } from './definition.js';
import { callDynamoDbRaw } from './dynamodb-passthrough.js';
import type { HistoryRecorder } from './history.js';
import { restoreJsonText } from './json-text-stand-in.js';
import { callMessagingService, type MessagingDeps } from './messaging-integrations.js';
import { checkTaskInputSize, checkTaskResultSize, TaskFailure } from './task-failure.js';
import type { TaskTokens } from './task-tokens.js';

export interface IntegrationDeps extends MessagingDeps {
  readonly region: string;
  /**
   * Evaluates the state machine role's permission for a task before it runs (the local cloud's
   * IAM); a returned failure fails the task instead, as AWS does.
   * @default every task runs
   */
  readonly authorizeTask?: (run: TaskRun, input: unknown) => TaskFailure | undefined;
  readonly lambda: LambdaService;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly tokens: TaskTokens;
}

export interface TaskRun {
  readonly executionArn: string;
  /** The state machine's ARN: its role makes the task's calls. */
  readonly stateMachineArn?: string;
  readonly history: HistoryRecorder;
  readonly stateName: string;
  readonly binding: TaskBinding;
  readonly input: unknown;
  /** The token `$$.Task.Token` produced for this attempt, if the Parameters read it. */
  readonly token: string | undefined;
  readonly heartbeatSeconds: number | undefined;
}

const json = (value: unknown): string => JSON.stringify(value ?? null);
const sdkMetadata = (requestId: string | undefined) => ({
  SdkHttpMetadata: { HttpStatusCode: 200 },
  SdkResponseMetadata: { RequestId: requestId ?? '' },
});

/** Runs one attempt of a Task state on the local engines, recording AWS's history events. */
export async function runTask(deps: IntegrationDeps, run: TaskRun): Promise<unknown> {
  const { binding, history } = run;
  const input = binding.hasJsonTextStandIns ? restoreJsonText(run.input) : run.input;
  if (binding.kind === 'pass') return input;
  if (binding.kind !== 'fail') checkTaskInputSize(run.stateName, json(input));
  if (binding.kind === 'fail') {
    const fields = (input ?? {}) as Record<string, unknown>;
    const text = (field: string): string => {
      const value = fields[field];
      return typeof value === 'string' ? value : '';
    };
    throw new TaskFailure(text('Error'), text('Cause'));
  }
  if (binding.kind === 'lambda-function') {
    const fn = deps.lambda.get(binding.functionName);
    history.add('LambdaFunctionScheduled', 'lambdaFunctionScheduledEventDetails', {
      resource: binding.resource,
      input: json(input),
      inputDetails: { truncated: false },
    });
    const denied = deps.authorizeTask?.(run, input);
    if (denied) {
      history.add('LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', {
        error: denied.name,
        cause: denied.message,
      });
      throw denied;
    }
    history.add('LambdaFunctionStarted');
    const result = await deps.lambda.invoke(fn, input);
    if (result.functionError) {
      const error = errorTypeOf(result.payload);
      history.add('LambdaFunctionFailed', 'lambdaFunctionFailedEventDetails', {
        error,
        cause: result.payload,
      });
      throw new TaskFailure(error, result.payload);
    }
    checkTaskResultSize(binding.resource, result.payload);
    history.add('LambdaFunctionSucceeded', 'lambdaFunctionSucceededEventDetails', {
      output: result.payload,
      outputDetails: { truncated: false },
    });
    return JSON.parse(result.payload);
  }

  const [, resourceType = '', resource = ''] =
    /^arn:[^:]+:states:::([^:]+):(.+)$/.exec(binding.resource) ?? [];
  const base = { resourceType, resource };
  history.add('TaskScheduled', 'taskScheduledEventDetails', {
    ...base,
    region: deps.region,
    parameters: json(input),
    ...(run.heartbeatSeconds ? { heartbeatInSeconds: run.heartbeatSeconds } : {}),
  });
  history.add('TaskStarted', 'taskStartedEventDetails', base);
  let response: unknown;
  try {
    const denied = deps.authorizeTask?.(run, input);
    if (denied) throw denied;
    response = await callService(deps, binding, input, run.executionArn);
  } catch (error) {
    const failure =
      error instanceof TaskFailure
        ? error
        : new TaskFailure(
            `${serviceErrorPrefix(binding)}.${(error as Error).name}`,
            (error as Error).message,
          );
    history.add('TaskFailed', 'taskFailedEventDetails', {
      ...base,
      error: failure.name,
      cause: failure.message,
    });
    throw failure;
  }
  if (!('waitForTaskToken' in binding) || !binding.waitForTaskToken) {
    history.add('TaskSucceeded', 'taskSucceededEventDetails', {
      ...base,
      output: json(response),
      outputDetails: { truncated: false },
    });
    return response;
  }
  if (!run.token)
    throw new TaskFailure(
      'States.Runtime',
      `state ${run.stateName} waits for a task token but did not read $$.Task.Token`,
    );
  history.add('TaskSubmitted', 'taskSubmittedEventDetails', {
    ...base,
    output: json(response),
    outputDetails: { truncated: false },
  });
  try {
    const output = await deps.tokens.wait(run.token, run.executionArn, run.heartbeatSeconds);
    history.add('TaskSucceeded', 'taskSucceededEventDetails', {
      ...base,
      output: json(output),
      outputDetails: { truncated: false },
    });
    return output;
  } catch (error) {
    const failure = error as TaskFailure;
    if (failure.name === 'States.HeartbeatTimeout') {
      history.add('TaskTimedOut', 'taskTimedOutEventDetails', {
        ...base,
        error: failure.name,
        cause: failure.message,
      });
    } else {
      history.add('TaskFailed', 'taskFailedEventDetails', {
        ...base,
        error: failure.name,
        cause: failure.message,
      });
    }
    throw failure;
  }
}

const ERROR_PREFIX: Partial<Record<TaskBinding['kind'], string>> = {
  dynamodb: 'DynamoDB',
  'sqs-send': 'SQS',
  'sns-publish': 'SNS',
  'events-put': 'EventBridge',
  'states-start': 'StepFunctions',
};

function serviceErrorPrefix(binding: TaskBinding): string {
  return ERROR_PREFIX[binding.kind] ?? 'Lambda';
}

function errorTypeOf(payload: string): string {
  try {
    const parsed = JSON.parse(payload) as { errorType?: unknown };
    return typeof parsed.errorType === 'string' ? parsed.errorType : 'Lambda.Unknown';
  } catch {
    return 'Lambda.Unknown';
  }
}

function params(input: unknown): Record<string, unknown> {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new TaskFailure('States.Runtime', `The task's Parameters must be an object, got ${json(input)}`);
  }
  return input as Record<string, unknown>;
}

async function callService(
  deps: IntegrationDeps,
  binding: TaskBinding,
  input: unknown,
  executionArn: string,
): Promise<unknown> {
  const p = params(input);
  switch (binding.kind) {
    case 'lambda-invoke': {
      const qualifier = typeof p.Qualifier === 'string' ? p.Qualifier : undefined;
      const fn = deps.lambda.get(String(p.FunctionName), qualifier);
      const event =
        typeof p.Payload === 'string' && p.Payload.startsWith('{')
          ? JSON.parse(p.Payload)
          : (p.Payload ?? {});
      if (p.InvocationType === 'Event') {
        void deps.lambda.invoke(fn, event);
        return { ...sdkMetadata(undefined), Payload: '', StatusCode: 202 };
      }
      const result = await deps.lambda.invoke(fn, event);
      if (result.functionError) throw new TaskFailure(errorTypeOf(result.payload), result.payload);
      checkTaskResultSize(binding.resource, result.payload);
      return {
        ExecutedVersion: deps.lambda.executedVersion(String(p.FunctionName), qualifier),
        Payload: JSON.parse(result.payload),
        ...sdkMetadata(result.requestId),
        StatusCode: 200,
      };
    }
    case 'sqs-send': {
      const body = typeof p.MessageBody === 'string' ? p.MessageBody : JSON.stringify(p.MessageBody);
      const sent = await deps.sqs.send(
        new SendMessageCommand({
          QueueUrl: String(p.QueueUrl),
          MessageBody: body,
          ...(p.DelaySeconds !== undefined ? { DelaySeconds: Number(p.DelaySeconds) } : {}),
          ...(p.MessageAttributes ? { MessageAttributes: p.MessageAttributes as never } : {}),
          ...(p.MessageGroupId ? { MessageGroupId: String(p.MessageGroupId) } : {}),
          ...(p.MessageDeduplicationId ? { MessageDeduplicationId: String(p.MessageDeduplicationId) } : {}),
        }),
      );
      return {
        MD5OfMessageBody: sent.MD5OfMessageBody,
        MessageId: sent.MessageId,
        ...(sent.SequenceNumber ? { SequenceNumber: sent.SequenceNumber } : {}),
        ...sdkMetadata(sent.$metadata.requestId),
      };
    }
    case 'dynamodb': {
      const { output, requestId } = await callDynamoDbRaw(deps.dynamodb, binding.action, p);
      return { ...output, ...sdkMetadata(requestId) };
    }
    case 'sns-publish':
    case 'events-put':
    case 'states-start':
      return callMessagingService(deps, binding, p, executionArn);
    default:
      throw new TaskFailure('States.Runtime', `no local integration for ${binding.resource}`);
  }
}
