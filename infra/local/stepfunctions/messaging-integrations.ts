import { TaskFailure } from './task-failure.js';

/** SNS as a task reaches it: publish to a topic of the app. */
export interface SnsPublisher {
  publish(request: {
    readonly topicArn: string;
    readonly message: string;
    readonly subject?: string;
    readonly messageAttributes?: Record<string, { DataType: string; StringValue?: string }>;
    readonly messageGroupId?: string;
    readonly messageDeduplicationId?: string;
  }): { readonly messageId: string };
}

/** The Step Functions API as a task reaches it, to start and follow a child execution. */
export interface StatesApi {
  call(operation: string, request: unknown): Promise<unknown>;
  whenFinished(executionArn: string): Promise<void>;
}

export interface MessagingDeps {
  readonly sns?: SnsPublisher;
  readonly eventBridge?: { call(operation: string, request: unknown): Promise<unknown> };
  readonly states?: StatesApi;
}

export type MessagingBinding =
  | { readonly kind: 'sns-publish'; readonly resource: string; readonly waitForTaskToken: boolean }
  | { readonly kind: 'events-put'; readonly resource: string; readonly waitForTaskToken: boolean }
  | {
      readonly kind: 'states-start';
      readonly resource: string;
      readonly waitForTaskToken: boolean;
      /** `.sync` answers with the child's output as text, `.sync:2` as JSON. */
      readonly mode: 'async' | 'sync' | 'sync2';
    };

const metadata = { SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: '' } };

/** A number written by `JsonPath.numberAt` reaches SNS as the text of the number. */
function messageAttributes(value: unknown): Record<string, { DataType: string; StringValue?: string }> {
  return Object.fromEntries(
    Object.entries(value as Record<string, { DataType?: unknown; StringValue?: unknown }>).map(
      ([name, attr]) => [
        name,
        {
          DataType: String(attr.DataType ?? 'String'),
          ...(attr.StringValue !== undefined
            ? {
                StringValue:
                  typeof attr.StringValue === 'string' ? attr.StringValue : JSON.stringify(attr.StringValue),
              }
            : {}),
        },
      ],
    ),
  );
}

function needs(service: string, value: unknown, field: string): void {
  if (value === undefined)
    throw new TaskFailure(`${service}.InvalidParameterException`, `Parameters.${field} is required`);
}

/** `arn:aws:states:<region>:<account>:stateMachine:<name>` of an execution (standard or express) ARN. */
export function stateMachineArnOf(executionArn: string): string {
  const parts = executionArn.split(':');
  return [...parts.slice(0, 5), 'stateMachine', parts[6]].join(':');
}

/**
 * Runs `sns:publish`, `events:putEvents` and `states:startExecution[.sync[:2]]` as AWS answers them,
 * for a task of the execution `executionArn`.
 */
export async function callMessagingService(
  deps: MessagingDeps,
  binding: MessagingBinding,
  p: Record<string, unknown>,
  executionArn: string,
): Promise<unknown> {
  switch (binding.kind) {
    case 'sns-publish': {
      if (!deps.sns) throw new TaskFailure('States.Runtime', 'SNS is not available on this local cloud');
      needs('SNS', p.Message, 'Message');
      const topicArn = p.TopicArn ?? p.TargetArn;
      needs('SNS', topicArn, 'TopicArn');
      let result: { messageId: string };
      try {
        result = deps.sns.publish({
          topicArn: String(topicArn),
          message: typeof p.Message === 'string' ? p.Message : JSON.stringify(p.Message),
          ...(typeof p.Subject === 'string' ? { subject: p.Subject } : {}),
          ...(p.MessageAttributes ? { messageAttributes: messageAttributes(p.MessageAttributes) } : {}),
          ...(typeof p.MessageGroupId === 'string' ? { messageGroupId: p.MessageGroupId } : {}),
          ...(typeof p.MessageDeduplicationId === 'string'
            ? { messageDeduplicationId: p.MessageDeduplicationId }
            : {}),
        });
      } catch (error) {
        const code = (error as { code?: string }).code ?? (error as Error).name;
        throw new TaskFailure(
          `SNS.${code === 'NotFound' ? 'NotFoundException' : code}`,
          (error as Error).message,
        );
      }
      return { MessageId: result.messageId, ...metadata };
    }
    case 'events-put': {
      if (!deps.eventBridge)
        throw new TaskFailure('States.Runtime', 'EventBridge is not available on this local cloud');
      const entries = Array.isArray(p.Entries)
        ? (p.Entries as Record<string, unknown>[]).map((e) => ({
            ...e,
            // The integration accepts Detail as JSON and serializes it, unlike the API.
            ...(e.Detail !== undefined && typeof e.Detail !== 'string'
              ? { Detail: JSON.stringify(e.Detail) }
              : {}),
            // The optimized integration appends the execution and state machine ARNs to Resources.
            Resources: [
              ...(Array.isArray(e.Resources) ? e.Resources : []),
              executionArn,
              stateMachineArnOf(executionArn),
            ],
          }))
        : p.Entries;
      let answer: { FailedEntryCount?: number };
      try {
        answer = (await deps.eventBridge.call('PutEvents', { Entries: entries })) as typeof answer;
      } catch (error) {
        throw new TaskFailure(
          `EventBridge.${(error as { code?: string }).code ?? 'Unknown'}`,
          (error as Error).message,
        );
      }
      // Unlike the API (and the SDK integration), the optimized integration fails the task when
      // an entry was not put.
      if ((answer.FailedEntryCount ?? 0) > 0)
        throw new TaskFailure('EventBridge.FailedEntry', JSON.stringify(answer));
      return { ...answer, ...metadata };
    }
    case 'states-start': {
      if (!deps.states) throw new TaskFailure('States.Runtime', 'Step Functions is not available here');
      needs('StepFunctions', p.StateMachineArn, 'StateMachineArn');
      let started: { executionArn: string; startDate: number };
      try {
        started = (await deps.states.call('StartExecution', {
          stateMachineArn: p.StateMachineArn,
          ...(p.Name !== undefined ? { name: p.Name } : {}),
          input:
            p.Input === undefined ? '{}' : typeof p.Input === 'string' ? p.Input : JSON.stringify(p.Input),
        })) as { executionArn: string; startDate: number };
      } catch (error) {
        throw new TaskFailure(
          `StepFunctions.${(error as { code?: string }).code ?? 'Unknown'}`,
          (error as Error).message,
        );
      }
      if (binding.mode === 'async')
        return { ExecutionArn: started.executionArn, StartDate: started.startDate, ...metadata };
      await deps.states.whenFinished(started.executionArn);
      const described = (await deps.states.call('DescribeExecution', {
        executionArn: started.executionArn,
      })) as Record<string, unknown>;
      const output = (text: unknown) =>
        binding.mode === 'sync2' && typeof text === 'string' ? (JSON.parse(text) as unknown) : text;
      const answer = {
        ExecutionArn: described.executionArn,
        StateMachineArn: described.stateMachineArn,
        Name: described.name,
        Status: described.status,
        StartDate: described.startDate,
        StopDate: described.stopDate,
        Input: output(described.input),
        InputDetails: { Included: true },
        ...(described.output !== undefined
          ? { Output: output(described.output), OutputDetails: { Included: true } }
          : {}),
        ...(described.error !== undefined ? { Error: described.error } : {}),
        ...(described.cause !== undefined ? { Cause: described.cause } : {}),
      };
      if (described.status === 'SUCCEEDED') return answer;
      // The parent's task fails as the child ended; the cause is the child's description.
      const error =
        described.status === 'TIMED_OUT'
          ? 'States.Timeout'
          : described.status === 'ABORTED'
            ? 'States.Runtime'
            : 'States.TaskFailed';
      throw new TaskFailure(error, JSON.stringify(answer));
    }
  }
}
