/**
 * Runs a saga's synthesized definition on aws-local-stepfunctions with every Task mapped to a local
 * handler, so nothing reaches real AWS, and records what each participant and each queue saw.
 */

import type { Template } from 'aws-cdk-lib/assertions';
import { StateMachine } from 'aws-local-stepfunctions';
import type { ParkedSagaMessage, ParticipantRequest } from '../../functions/runtime/contract.js';

export type JSONValue = string | number | boolean | null | JSONValue[] | { [key: string]: JSONValue };

/** The interpreter's event log entries (its package does not export the type). */
export type EventLog = Exclude<
  Awaited<ReturnType<ReturnType<StateMachine['run']>['eventLogs']['next']>>['value'],
  undefined
>;

export type AslDefinition = {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, Record<string, unknown> & { Type: string }>;
};

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

export const fakeFunctionArn = (logicalId: string) =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
export const fakeQueueUrl = (logicalId: string) =>
  `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${logicalId}`;

/** A participant version's stand-in ARN: its function's, qualified with version 1. */
export const fakeVersionArn = (functionLogicalId: string) => `${fakeFunctionArn(functionLogicalId)}:1`;

/**
 * Replaces the intrinsics CDK leaves in a DefinitionString with stand-in ARNs and URLs; `versions`
 * maps a version resource's logical id to its function's.
 */
function resolveIntrinsic(value: unknown, versions: ReadonlyMap<string, string> = new Map()): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v['Fn::Join']) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => resolveIntrinsic(part, versions)).join(sep);
  }
  const version = typeof v['Ref'] === 'string' ? versions.get(v['Ref']) : undefined;
  if (version) return fakeVersionArn(version);
  if (v['Fn::GetAtt']) {
    const [id, attr] = v['Fn::GetAtt'] as [string, string];
    if (attr === 'Arn') return fakeFunctionArn(id);
    if (attr === 'QueueUrl') return fakeQueueUrl(id);
  }
  if (typeof v['Ref'] === 'string') return fakeQueueUrl(v['Ref']);
  throw new Error(`Cannot resolve ${JSON.stringify(value)} in a state machine definition`);
}

/**
 * The definition of the template's only state machine (or the one whose logical id starts with
 * `logicalIdPrefix`), as deployed (tokens resolved to stand-ins).
 */
export function definitionFromTemplate(template: Template, logicalIdPrefix?: string): AslDefinition {
  const machines = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([id]) => logicalIdPrefix === undefined || id.startsWith(logicalIdPrefix))
    .map(([, machine]) => machine);
  if (machines.length !== 1)
    throw new Error(`Expected one state machine in the template, found ${machines.length}`);
  const props = machines[0]!['Properties'] as { DefinitionString: unknown };
  const versions = new Map(
    Object.entries(template.findResources('AWS::Lambda::Version')).map(([id, resource]) => [
      id,
      (resource['Properties'] as { FunctionName: { Ref: string } }).FunctionName.Ref,
    ]),
  );
  return JSON.parse(resolveIntrinsic(props.DefinitionString, versions)) as AslDefinition;
}

const INTRINSIC_JSON_TO_STRING = /^States\.JsonToString\((\$[^)]*)\)$/;

/**
 * aws-local-stepfunctions evaluates `CausePath` only as a plain path, while Step Functions also
 * accepts an intrinsic there. The harness swaps such a Fail cause for a marker and recomputes the
 * cause the way Step Functions would (`States.JsonToString` of the path) from the Fail state's input.
 */
function adaptForLocalInterpreter(definition: AslDefinition): {
  local: AslDefinition;
  causeOf: Map<string, string>;
} {
  const local = structuredClone(definition);
  const causeOf = new Map<string, string>();
  for (const [name, state] of Object.entries(local.States)) {
    const match =
      state.Type === 'Fail' &&
      typeof state['CausePath'] === 'string' &&
      INTRINSIC_JSON_TO_STRING.exec(state['CausePath']);
    if (match) {
      causeOf.set(name, match[1]!);
      delete state['CausePath'];
      state['Cause'] = `(computed from ${match[1]})`;
    }
  }
  return { local, causeOf };
}

function valueAt(path: string, input: unknown): unknown {
  if (path === '$') return input;
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], input);
}

type AslStates = AslDefinition['States'];

/** Every state, including those inside Parallel branches (state names are unique machine-wide). */
function allStates(states: AslStates): [string, AslStates[string]][] {
  return Object.entries(states).flatMap(([name, state]) => [
    [name, state] as [string, AslStates[string]],
    ...((state['Branches'] as { States: AslStates }[] | undefined) ?? []).flatMap((branch) =>
      allStates(branch.States),
    ),
  ]);
}

/**
 * The interpreter resets `$$.Execution.Input` to the branch input inside Parallel branches, while
 * Step Functions keeps the execution input; point those paths at a context key it leaves alone.
 */
function keepExecutionInputInBranches(definition: AslDefinition): void {
  const rewrite = (value: unknown): unknown => {
    if (value === '$$.Execution.Input') return '$$.Execution.LocalInput';
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
  };
  for (const [, state] of allStates(definition.States)) {
    if (state['Parameters'] !== undefined) state['Parameters'] = rewrite(state['Parameters']);
  }
}

export interface Invocation {
  readonly state: string;
  readonly resource: string;
  readonly request: ParticipantRequest;
}

/** Answers one participant invocation: return a result, or throw an error whose `name` is the Lambda error type. */
export type Behaviour = (request: ParticipantRequest, attempt: number) => JSONValue | Promise<JSONValue>;

/** One SQS SendMessage a state made (only those that succeeded). */
export interface SentMessage {
  readonly state: string;
  readonly queueUrl: string;
  readonly body: JSONValue;
  readonly attributes?: Record<string, { DataType: string; StringValue: string }>;
}

/** Decides one SendMessage attempt of a state: throw (an error named like an SQS error) to fail it. */
export type SendBehaviour = (attempt: number) => void;

export interface SagaRun {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly invocations: readonly Invocation[];
  readonly parked: readonly ParkedSagaMessage[];
  /** Every message sent by any state, in order (the park message included). */
  readonly sent: readonly SentMessage[];
  readonly events: readonly EventLog[];
  /** States entered, in order; each entry is one billed state transition. */
  readonly statesEntered: readonly string[];
}

export interface RunOptions {
  readonly executionName?: string;
  /** Behaviour per Task state name; a Task without one returns `{}`. */
  readonly behaviours?: Readonly<Record<string, Behaviour>>;
  /** Behaviour per SQS Task state name; a state without one sends successfully. */
  readonly sendBehaviours?: Readonly<Record<string, SendBehaviour>>;
  /** Operator decisions per `Park <state>` Task, one per time it parks; `abandon` past the list. */
  readonly decisions?: Readonly<Record<string, readonly string[]>>;
}

export const PARKED_AT = '2026-01-02T03:04:05.678Z';
/** The task token every `.waitForTaskToken` Task reads in the harness. */
export const TASK_TOKEN = 'harness-task-token';

export async function runSaga(
  definition: AslDefinition,
  input: JSONValue,
  options: RunOptions = {},
): Promise<SagaRun> {
  const { local, causeOf } = adaptForLocalInterpreter(definition);
  keepExecutionInputInBranches(local);
  const executionName = options.executionName ?? 'order-0001';
  const executionArn = `arn:aws:states:${REGION}:${ACCOUNT}:execution:Saga:${executionName}`;
  const invocations: Invocation[] = [];
  const parked: ParkedSagaMessage[] = [];
  const sent: SentMessage[] = [];
  const attempts = new Map<string, number>();
  const handlers: Record<string, (input: JSONValue) => JSONValue | Promise<JSONValue>> = {};
  const retryIntervalOverrides: Record<string, number> = {};

  for (const [name, state] of allStates(local.States)) {
    if (state.Type !== 'Task') continue;
    retryIntervalOverrides[name] = 0;
    const resource = String(state['Resource']);
    if (resource.startsWith('arn:aws:states:::sqs:sendMessage')) {
      handlers[name] = (params) => {
        const attempt = (attempts.get(name) ?? 0) + 1;
        attempts.set(name, attempt);
        options.sendBehaviours?.[name]?.(attempt);
        const { QueueUrl, MessageBody, MessageAttributes } = params as unknown as {
          QueueUrl: string;
          MessageBody: JSONValue;
          MessageAttributes?: SentMessage['attributes'];
        };
        sent.push({
          state: name,
          queueUrl: QueueUrl,
          body: MessageBody,
          ...(MessageAttributes ? { attributes: MessageAttributes } : {}),
        });
        if (name.startsWith('Park ')) parked.push(MessageBody as unknown as ParkedSagaMessage);
        // A waiting Task's result is the operator's decision; one per park of this state, then abandon.
        const result: JSONValue = resource.endsWith('.waitForTaskToken')
          ? { decision: options.decisions?.[name]?.[attempt - 1] ?? 'abandon' }
          : { MessageId: `message-${sent.length}` };
        return result;
      };
      continue;
    }
    // A callback step invokes through the lambda:invoke integration: the request is the Payload,
    // and the behaviour's result (or error) stands for the answer sent on the task token.
    const integration = resource.startsWith('arn:aws:states:::lambda:invoke');
    handlers[name] = (params) => {
      const request = (integration
        ? (params as { Payload: unknown }).Payload
        : params) as unknown as ParticipantRequest;
      invocations.push({ state: name, resource, request });
      const attempt = (attempts.get(name) ?? 0) + 1;
      attempts.set(name, attempt);
      const behaviour = options.behaviours?.[name];
      return behaviour ? behaviour(request, attempt) : {};
    };
  }

  const machine = new StateMachine(local as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const execution = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: executionName, Input: input, LocalInput: input },
      State: { EnteredTime: PARKED_AT },
      Task: { Token: TASK_TOKEN },
    } as never,
  });
  let output: unknown;
  let failure: unknown;
  try {
    output = await execution.result;
  } catch (error) {
    failure = error;
  }
  const events: EventLog[] = [];
  for await (const event of execution.eventLogs) events.push(event);
  const statesEntered = events.flatMap((e) => (e.type === 'StateEntered' ? [e.state.name] : []));

  if (failure === undefined)
    return { status: 'SUCCEEDED', output, invocations, parked, sent, events, statesEntered };
  const failed = events.find((e) => e.type === 'ExecutionFailed');
  if (failed?.type !== 'ExecutionFailed') throw failure;
  const lastState = [...events].reverse().find((e) => e.type === 'StateEntered');
  const causePath = lastState?.type === 'StateEntered' ? causeOf.get(lastState.state.name) : undefined;
  const cause =
    causePath !== undefined && lastState?.type === 'StateEntered'
      ? JSON.stringify(valueAt(causePath, lastState.state.input))
      : String(failed.Cause);
  return { status: 'FAILED', error: failed.Error, cause, invocations, parked, sent, events, statesEntered };
}
