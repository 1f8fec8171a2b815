import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { type Json, standInJsonToString } from './json-text-stand-in.js';
import type { MessagingBinding } from './messaging-integrations.js';

/** How a Task state runs on the local cloud. */
export type TaskBinding = (
  | { readonly kind: 'lambda-function'; readonly resource: string; readonly functionName: string }
  | { readonly kind: 'lambda-invoke'; readonly resource: string; readonly waitForTaskToken: boolean }
  | { readonly kind: 'sqs-send'; readonly resource: string; readonly waitForTaskToken: boolean }
  | { readonly kind: 'dynamodb'; readonly resource: string; readonly action: DynamoDbAction }
  /** A Fail state whose ErrorPath/CausePath is an intrinsic function, run as a throwing task. */
  | { readonly kind: 'fail'; readonly resource: string }
  /** A Pass state whose Parameters hold JsonToString stand-ins, run as a task returning its input. */
  | { readonly kind: 'pass'; readonly resource: string }
  | MessagingBinding
) & {
  /** Its Parameters hold States.JsonToString stand-ins (json-text-stand-in.ts). */
  readonly hasJsonTextStandIns?: boolean;
};

/** Resource of the stand-in Task for a Fail state with intrinsic paths (never leaves the cloud). */
export const LOCAL_FAIL_RESOURCE = 'arn:aws:states:::local:fail';
/** Resource of the stand-in Task for a Pass state with JsonToString fields (never leaves the cloud). */
export const LOCAL_PASS_RESOURCE = 'arn:aws:states:::local:pass';

export type DynamoDbAction = 'getItem' | 'putItem' | 'updateItem' | 'deleteItem';

export interface AnalyzedDefinition {
  /** The definition to run: context paths the interpreter mishandles rewritten, retries scaled. */
  readonly runnable: StateMachineDefinition;
  /** Every Task state (nested ones included; ASL state names are unique machine-wide). */
  readonly tasks: ReadonlyMap<string, TaskBinding>;
  /** Fail and Pass states the local cloud runs as stand-in Tasks, by name; their history still reads as their own type. */
  readonly standInStates: ReadonlyMap<string, 'Fail' | 'Pass'>;
  /** State name → HeartbeatSeconds, for task-token states. */
  readonly heartbeats: ReadonlyMap<string, number>;
  /** Human-readable reasons the definition cannot run locally; empty when it can. */
  readonly problems: readonly string[];
}

type JsonObject = { [key: string]: Json };

/** The interpreter's own Task timeout default is 60 s; AWS has none, so a long cap replaces it. */
const NO_TASK_TIMEOUT_SECONDS = 2_147_483;

const DYNAMODB_ACTIONS: readonly DynamoDbAction[] = ['getItem', 'putItem', 'updateItem', 'deleteItem'];

export const SUPPORTED_RESOURCES =
  'Lambda function ARNs, arn:aws:states:::lambda:invoke[.waitForTaskToken], ' +
  'arn:aws:states:::sqs:sendMessage[.waitForTaskToken], arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem, ' +
  'arn:aws:states:::sns:publish[.waitForTaskToken], arn:aws:states:::events:putEvents[.waitForTaskToken], ' +
  'arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]';

export interface AnalyzeOptions {
  /** `true` when the function (name, ARN or partial ARN) is one of the app's functions. */
  readonly isLocalFunction: (nameOrArn: string) => boolean;
  /** Divides Retry intervals (1 = real time). */
  readonly retryIntervalDivisor: number;
}

/**
 * Checks that every state of a definition can run on the local interpreter and binds every Task
 * to a local integration: the interpreter would otherwise call real AWS Lambda for an unbound Task.
 */
export function analyzeDefinition(
  machine: string,
  definition: unknown,
  options: AnalyzeOptions,
): AnalyzedDefinition {
  const problems: string[] = [];
  const tasks = new Map<string, TaskBinding>();
  const heartbeats = new Map<string, number>();
  const standInStates = new Map<string, 'Fail' | 'Pass'>();
  const runnable = structuredClone(definition) as JsonObject;
  const problem = (state: string | undefined, reason: string) =>
    problems.push(`state machine ${machine}${state ? `, state "${state}"` : ''}: ${reason}`);

  if (runnable.QueryLanguage === 'JSONata') {
    problem(
      undefined,
      'QueryLanguage JSONata is not supported by the local interpreter; generate JSONPath ASL',
    );
  }
  visitStates(runnable, (name, state) => {
    if (state.QueryLanguage === 'JSONata' || 'Arguments' in state || 'Output' in state) {
      problem(
        name,
        'JSONata (QueryLanguage/Arguments/Output) is not supported by the local interpreter; use JSONPath',
      );
    }
    if ('Assign' in state)
      problem(name, 'Assign (workflow variables) is not supported by the local interpreter');
    for (const field of ['ItemReader', 'ResultWriter', 'ItemBatcher'] as const) {
      if (field in state) problem(name, `${field} (distributed Map) is not supported by the local cloud`);
    }
    if (Array.isArray(state.Retry)) {
      for (const retrier of state.Retry) {
        if (retrier && typeof retrier === 'object' && !Array.isArray(retrier))
          scaleRetrier(retrier, options.retryIntervalDivisor);
      }
    }
    if (state.Type === 'Fail' && (isIntrinsic(state.ErrorPath) || isIntrinsic(state.CausePath))) {
      // The interpreter evaluates ErrorPath/CausePath as plain JSONPath; AWS also accepts an
      // intrinsic function there. A Task's Parameters evaluate intrinsics, so a stand-in Task
      // computes Error and Cause and fails the execution with them.
      const parameters: JsonObject = {
        ...fieldOrPath('Error', state.Error, state.ErrorPath),
        ...fieldOrPath('Cause', state.Cause, state.CausePath),
      };
      const hasJsonTextStandIns = standInJsonToString(parameters);
      const replacement: JsonObject = {
        Type: 'Task',
        Resource: LOCAL_FAIL_RESOURCE,
        End: true,
        TimeoutSeconds: NO_TASK_TIMEOUT_SECONDS,
        Parameters: parameters,
      };
      for (const key of Object.keys(state)) delete state[key];
      Object.assign(state, replacement);
      standInStates.set(name, 'Fail');
      tasks.set(name, { kind: 'fail', resource: LOCAL_FAIL_RESOURCE, hasJsonTextStandIns });
      return;
    }
    if (state.Type === 'Pass' && !('Result' in state) && state.Parameters !== undefined) {
      const parameters = structuredClone(state.Parameters);
      if (!standInJsonToString(parameters)) return;
      // Only a Task's input reaches local code, so the stand-in Task returns its evaluated
      // Parameters with the JSON text restored; paths and transitions are the Pass state's own.
      const replacement: JsonObject = {
        Type: 'Task',
        Resource: LOCAL_PASS_RESOURCE,
        TimeoutSeconds: NO_TASK_TIMEOUT_SECONDS,
        Parameters: parameters,
      };
      for (const key of ['Comment', 'InputPath', 'ResultPath', 'OutputPath', 'Next', 'End'] as const) {
        if (key in state) replacement[key] = state[key]!;
      }
      for (const key of Object.keys(state)) delete state[key];
      Object.assign(state, replacement);
      standInStates.set(name, 'Pass');
      tasks.set(name, { kind: 'pass', resource: LOCAL_PASS_RESOURCE, hasJsonTextStandIns: true });
      return;
    }
    if (state.Type !== 'Task') return;
    if ('Credentials' in state)
      problem(name, 'Credentials (cross-account tasks) are not supported by the local cloud');
    if (!('TimeoutSeconds' in state) && !('TimeoutSecondsPath' in state))
      state.TimeoutSeconds = NO_TASK_TIMEOUT_SECONDS;
    const binding = bindTask(name, state, options, problem);
    const hasJsonTextStandIns = state.Parameters !== undefined && standInJsonToString(state.Parameters);
    if (binding) tasks.set(name, hasJsonTextStandIns ? { ...binding, hasJsonTextStandIns } : binding);
    if (typeof state.HeartbeatSeconds === 'number') heartbeats.set(name, state.HeartbeatSeconds);
    if ('HeartbeatSecondsPath' in state)
      problem(name, 'HeartbeatSecondsPath is not supported by the local cloud; use HeartbeatSeconds');
  });
  rewriteContextPaths(runnable);
  return {
    runnable: runnable as unknown as StateMachineDefinition,
    tasks,
    standInStates,
    heartbeats,
    problems,
  };
}

function isIntrinsic(value: Json | undefined): boolean {
  return typeof value === 'string' && value.startsWith('States.');
}

function fieldOrPath(field: string, value: Json | undefined, path: Json | undefined): JsonObject {
  if (typeof path === 'string') return { [`${field}.$`]: path };
  return typeof value === 'string' ? { [field]: value } : {};
}

function bindTask(
  name: string,
  state: JsonObject,
  options: AnalyzeOptions,
  problem: (state: string, reason: string) => void,
): TaskBinding | undefined {
  const resource = state.Resource;
  if (typeof resource !== 'string') {
    problem(name, 'Task has no Resource');
    return undefined;
  }
  const lambdaArn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(?::[^:]+)?$/.test(resource);
  if (lambdaArn) {
    if (!options.isLocalFunction(resource)) {
      problem(name, `Resource ${resource} is not a function of the app, so it cannot run locally`);
      return undefined;
    }
    return { kind: 'lambda-function', resource, functionName: resource };
  }
  const integration = /^arn:[^:]+:states:::([a-z0-9-]+):([A-Za-z]+)(?:\.(sync|waitForTaskToken)(:2)?)?$/.exec(
    resource,
  );
  if (!integration) {
    problem(name, `Resource ${resource} has no local integration (supported: ${SUPPORTED_RESOURCES})`);
    return undefined;
  }
  const [, service, action, pattern, version] = integration;
  const params = (state.Parameters ?? {}) as JsonObject;
  if (service === 'states' && action === 'startExecution') {
    const mode = pattern === 'sync' ? (version ? 'sync2' : 'sync') : 'async';
    const waitForTaskToken = pattern === 'waitForTaskToken';
    if (waitForTaskToken && !JSON.stringify(params).includes('$$.Task.Token'))
      problem(
        name,
        `Resource ${resource} waits for a task token, but its Parameters never pass $$.Task.Token`,
      );
    return { kind: 'states-start', resource, mode, waitForTaskToken };
  }
  if (pattern === 'sync') {
    problem(name, `Resource ${resource}: the .sync integration pattern is not supported by the local cloud`);
    return undefined;
  }
  const waitForTaskToken = pattern === 'waitForTaskToken';
  if (waitForTaskToken && !JSON.stringify(params).includes('$$.Task.Token')) {
    problem(name, `Resource ${resource} waits for a task token, but its Parameters never pass $$.Task.Token`);
  }
  if (service === 'lambda' && action === 'invoke') {
    const fn = params.FunctionName;
    if (typeof fn === 'string' && !options.isLocalFunction(fn)) {
      problem(name, `invokes function ${fn}, which is not a function of the app`);
      return undefined;
    }
    if (fn === undefined && typeof params['FunctionName.$'] !== 'string')
      problem(name, 'lambda:invoke needs Parameters.FunctionName');
    return { kind: 'lambda-invoke', resource, waitForTaskToken };
  }
  if (service === 'sqs' && action === 'sendMessage') return { kind: 'sqs-send', resource, waitForTaskToken };
  if (service === 'sns' && action === 'publish') return { kind: 'sns-publish', resource, waitForTaskToken };
  if (service === 'events' && action === 'putEvents')
    return { kind: 'events-put', resource, waitForTaskToken };
  if (service === 'dynamodb' && (DYNAMODB_ACTIONS as readonly string[]).includes(action ?? '') && !pattern) {
    return { kind: 'dynamodb', resource, action: action as DynamoDbAction };
  }
  problem(name, `Resource ${resource} has no local integration (supported: ${SUPPORTED_RESOURCES})`);
  return undefined;
}

function scaleRetrier(retrier: JsonObject, divisor: number): void {
  if (divisor === 1) return;
  retrier.IntervalSeconds =
    (typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1) / divisor;
  if (typeof retrier.MaxDelaySeconds === 'number') retrier.MaxDelaySeconds /= divisor;
}

/** Calls `visit` for every state, including those in Parallel branches and Map processors. */
export function visitStates(machine: JsonObject, visit: (name: string, state: JsonObject) => void): void {
  const states = machine.States;
  if (!states || typeof states !== 'object' || Array.isArray(states)) return;
  for (const [name, state] of Object.entries(states)) {
    if (!state || typeof state !== 'object' || Array.isArray(state)) continue;
    visit(name, state);
    if (Array.isArray(state.Branches)) {
      for (const branch of state.Branches) {
        if (branch && typeof branch === 'object' && !Array.isArray(branch)) visitStates(branch, visit);
      }
    }
    for (const key of ['Iterator', 'ItemProcessor'] as const) {
      const nested = state[key];
      if (nested && typeof nested === 'object' && !Array.isArray(nested)) visitStates(nested, visit);
    }
  }
}

/**
 * The interpreter resets `$$.Execution.Input` and `StartTime` inside Parallel branches and Map
 * iterations; the local cloud keeps the real values under other keys and points paths at them.
 * `$$.State.Name` becomes the literal state name.
 */
function rewriteContextPaths(machine: JsonObject): void {
  visitStates(machine, (name, state) => {
    for (const key of Object.keys(state)) {
      const value = state[key];
      if (value !== undefined) state[key] = rewriteValue(value, name);
    }
  });
}

function rewriteValue(value: Json, stateName: string): Json {
  if (typeof value === 'string') {
    return (
      value
        // Function replacers: in a replacement string "$$" would collapse to "$".
        .replaceAll('$$.Execution.Input', () => '$$.Execution.LocalInput')
        .replaceAll('$$.Execution.StartTime', () => '$$.Execution.LocalStartTime')
    );
  }
  if (Array.isArray(value)) return value.map((v) => rewriteValue(v, stateName));
  if (value === null || typeof value !== 'object') return value;
  // Nested state machines are visited on their own.
  if ('States' in value && 'StartAt' in value) return value;
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key.endsWith('.$') && v === '$$.State.Name') out[key.slice(0, -2)] = stateName;
    else out[key] = rewriteValue(v, stateName);
  }
  return out;
}
