import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { LocalServiceError } from '../errors.js';
import type { ExecutionRecorder, RestoredExecution } from '../persistence/execution-journal.js';
import type { LocalLogLine, LocalService } from '../types.js';
import { type AnalyzedDefinition, analyzeDefinition } from './definition.js';
import { type EventLog, executionFailure, HistoryRecorder, redrivePoint } from './history.js';
import { type IntegrationDeps, runTask } from './integrations.js';
import { jsonNestingDepth, MAX_JSON_DEPTH } from './json-depth.js';
import { resumePlan, statusFromHistory } from './resume.js';
import { MAX_PAYLOAD_BYTES, stateOutputFailure, TaskFailure, TerminalTaskFailure } from './task-failure.js';

export interface LocalStateMachine {
  readonly stack: string;
  readonly logicalId: string;
  readonly name: string;
  readonly arn: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly roleArn: string;
  /** The resolved definition as deployed (for DescribeStateMachine). */
  readonly definition: string;
  readonly analyzed: AnalyzedDefinition;
  readonly creationDate: number;
  readonly timeoutSeconds?: number;
}

type Status = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

interface Execution {
  readonly arn: string;
  readonly name: string;
  readonly machine: LocalStateMachine;
  readonly input: string;
  readonly startDate: number;
  readonly history: HistoryRecorder;
  finished: Promise<void>;
  status: Status;
  redriveCount: number;
  redriveDate?: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  abort(): void;
}

const epoch = (ms: number) => ms / 1000;
const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
const MACHINE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** What the service needs beyond the task integrations: the account, and how to read ad-hoc definitions. */
export interface StepFunctionsServiceDeps extends IntegrationDeps {
  readonly accountId: string;
  /** Divides Retry intervals of definitions created through the API, as for the app's. @default 1 */
  readonly retryIntervalDivisor?: number;
  /** Where Standard executions are persisted, when the cloud persists (`--persist`). */
  readonly recorder?: ExecutionRecorder;
}

/** AWS redrives executions that stopped in the last 14 days. */
const REDRIVABLE_PERIOD_MS = 14 * 24 * 60 * 60 * 1000;
/** A redrive needs room in the history: AWS refuses at 24,999 events. */
const MAX_REDRIVABLE_HISTORY_EVENTS = 24_999;
/** A Standard execution stays open at most one year, redrives included. */
const MAX_EXECUTION_MS = 365 * 24 * 60 * 60 * 1000;
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;

/** Execution names: 1-80 characters, none of AWS's forbidden punctuation or control characters. */
function isValidName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || NAME_FORBIDDEN.test(name)) return false;
  return [...name].every((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code >= 0x20 && !(code >= 0x7f && code <= 0x9f);
  });
}

/** The Step Functions JSON API over the aws-local-stepfunctions interpreter. */
export class StepFunctionsService implements LocalService {
  private readonly machines = new Map<string, LocalStateMachine>();
  private readonly executions = new Map<string, Execution>();

  constructor(
    private readonly deps: StepFunctionsServiceDeps,
    private readonly onLog: (line: LocalLogLine) => void,
  ) {}

  register(machine: LocalStateMachine): void {
    this.machines.set(machine.arn, machine);
  }

  async call(operation: string, request: unknown): Promise<unknown> {
    const input = (request ?? {}) as Record<string, unknown>;
    switch (operation) {
      case 'StartExecution':
        return this.startExecution(input);
      case 'StartSyncExecution':
        return this.startSyncExecution(input);
      case 'DescribeExecution':
        return this.describeExecution(this.standardExecution(input.executionArn));
      case 'ListExecutions':
        return this.listExecutions(input);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(input);
      case 'StopExecution':
        return this.stopExecution(input);
      case 'RedriveExecution':
        return this.redriveExecution(input);
      case 'SendTaskSuccess':
        this.deps.tokens.succeed(input.taskToken, input.output);
        return {};
      case 'SendTaskFailure':
        this.deps.tokens.fail(input.taskToken, input.error, input.cause);
        return {};
      case 'SendTaskHeartbeat':
        this.deps.tokens.heartbeat(input.taskToken);
        return {};
      case 'ListStateMachines':
        return {
          stateMachines: [...this.machines.values()].map((m) => ({
            stateMachineArn: m.arn,
            name: m.name,
            type: m.type,
            creationDate: epoch(m.creationDate),
          })),
        };
      case 'DescribeStateMachine': {
        const m = this.machine(input.stateMachineArn);
        return {
          stateMachineArn: m.arn,
          name: m.name,
          status: 'ACTIVE',
          definition: m.definition,
          roleArn: m.roleArn,
          type: m.type,
          creationDate: epoch(m.creationDate),
        };
      }
      case 'ValidateStateMachineDefinition':
        return this.validateDefinition(input);
      case 'CreateStateMachine':
        return this.createStateMachine(input);
      case 'UpdateStateMachine':
        return this.updateStateMachine(input);
      case 'DeleteStateMachine':
        return this.deleteStateMachine(input);
      default:
        throw new LocalServiceError(
          'UnknownOperationException',
          `The local Step Functions API does not support ${operation}`,
        );
    }
  }

  /** Waits until every running execution has finished (used by tests and shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.executions.values()].map((e) => e.finished));
  }

  /**
   * Resolves when one execution has ended, whatever its status: in-process callers (benchmarks,
   * tests) wait without polling DescribeExecution. Rejects like DescribeExecution for an unknown ARN.
   */
  async whenFinished(executionArn: string): Promise<void> {
    await this.execution(executionArn).finished;
  }

  stopAll(): void {
    for (const execution of this.executions.values()) {
      if (execution.status === 'RUNNING') execution.abort();
    }
  }

  private machine(arn: unknown): LocalStateMachine {
    if (typeof arn !== 'string' || !arn.startsWith('arn:'))
      throw new LocalServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const machine = this.machines.get(arn);
    if (!machine)
      throw new LocalServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private execution(arn: unknown): Execution {
    if (typeof arn !== 'string' || !arn.startsWith('arn:'))
      throw new LocalServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    const execution = this.executions.get(arn);
    if (!execution)
      throw new LocalServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  /**
   * Express executions are not recorded by Step Functions: the execution APIs refuse their ARNs
   * (in-process callers use {@link whenFinished} and {@link executionOutcome}).
   */
  private standardExecution(arn: unknown): Execution {
    if (typeof arn === 'string' && arn.split(':')[5] === 'express') {
      throw new LocalServiceError(
        'InvalidArn',
        "Invalid Arn: 'Resource type not valid in this context: express'",
      );
    }
    return this.execution(arn);
  }

  /** DescribeExecution's answer for any execution, Express included, for in-process callers. */
  executionOutcome(executionArn: string): Record<string, unknown> {
    return this.describeExecution(this.execution(executionArn));
  }

  private parseDefinition(definition: unknown): Record<string, unknown> {
    if (typeof definition !== 'string') {
      throw new LocalServiceError(
        'InvalidDefinition',
        'Invalid State Machine Definition: definition is required',
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(definition);
    } catch (error) {
      throw new LocalServiceError(
        'InvalidDefinition',
        `Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: ${(error as Error).message}'`,
      );
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new LocalServiceError(
        'InvalidDefinition',
        "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The definition must be a JSON object'",
      );
    }
    return parsed as Record<string, unknown>;
  }

  /** Checks a definition as CreateStateMachine does, and whether the local cloud can run it. */
  private analyze(name: string, definition: Record<string, unknown>): AnalyzedDefinition {
    try {
      new StateMachine(definition as never, { validationOptions: { checkArn: false } });
    } catch (error) {
      const message = (error as Error).message;
      if (message.startsWith('State machine definition is invalid')) {
        throw new LocalServiceError(
          'InvalidDefinition',
          `Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ${message}'`,
        );
      }
    }
    const analyzed = analyzeDefinition(`state machine ${name}`, definition, {
      isLocalFunction: (nameOrArn) => this.deps.lambda.lookup(nameOrArn) !== undefined,
      retryIntervalDivisor: this.deps.retryIntervalDivisor ?? 1,
    });
    if (analyzed.problems.length > 0) {
      throw new LocalServiceError(
        'InvalidDefinition',
        `The local cloud cannot run this definition: ${analyzed.problems.join('; ')}`,
      );
    }
    return analyzed;
  }

  private validateDefinition(input: Record<string, unknown>): unknown {
    const diagnostics: Array<Record<string, string>> = [];
    try {
      const definition = this.parseDefinition(input.definition);
      try {
        new StateMachine(definition as never, { validationOptions: { checkArn: false } });
      } catch (error) {
        const message = (error as Error).message;
        if (message.startsWith('State machine definition is invalid')) {
          diagnostics.push({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message });
        }
      }
    } catch (error) {
      diagnostics.push({
        severity: 'ERROR',
        code: 'INVALID_JSON_DESCRIPTION',
        message: (error as Error).message,
      });
    }
    return { result: diagnostics.length > 0 ? 'FAIL' : 'OK', diagnostics, truncated: false };
  }

  private createStateMachine(input: Record<string, unknown>): unknown {
    const name = input.name;
    if (typeof name !== 'string' || !MACHINE_NAME.test(name)) {
      throw new LocalServiceError('InvalidName', `Invalid Name: '${String(name)}'`);
    }
    const type = input.type === undefined ? 'STANDARD' : input.type;
    if (type !== 'STANDARD' && type !== 'EXPRESS') {
      throw new LocalServiceError(
        'ValidationException',
        `1 validation error detected: Value '${String(type)}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]`,
      );
    }
    const text = String(input.definition ?? '');
    const definition = this.parseDefinition(input.definition);
    const arn = `arn:aws:states:${this.deps.region}:${this.deps.accountId}:stateMachine:${name}`;
    const existing = this.machines.get(arn);
    if (existing) {
      // AWS answers a repeated, identical create with the existing machine.
      if (existing.definition === text && existing.type === type) {
        return { stateMachineArn: arn, creationDate: epoch(existing.creationDate) };
      }
      throw new LocalServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`);
    }
    const analyzed = this.analyze(name, definition);
    const roleArn =
      typeof input.roleArn === 'string'
        ? input.roleArn
        : `arn:aws:iam::${this.deps.accountId}:role/${name}-role`;
    const machine: LocalStateMachine = {
      stack: '',
      logicalId: '',
      name,
      arn,
      type,
      roleArn,
      definition: text,
      analyzed,
      creationDate: Date.now(),
      ...(typeof definition.TimeoutSeconds === 'number' ? { timeoutSeconds: definition.TimeoutSeconds } : {}),
    };
    this.register(machine);
    return { stateMachineArn: arn, creationDate: epoch(machine.creationDate) };
  }

  private updateStateMachine(input: Record<string, unknown>): unknown {
    const machine = this.machine(input.stateMachineArn);
    if (input.definition === undefined && input.roleArn === undefined) {
      throw new LocalServiceError(
        'MissingRequiredParameter',
        'Either the definition or the roleArn must be specified',
      );
    }
    let next: LocalStateMachine = machine;
    if (input.definition !== undefined) {
      const definition = this.parseDefinition(input.definition);
      next = {
        ...next,
        definition: String(input.definition),
        analyzed: this.analyze(machine.name, definition),
        ...(typeof definition.TimeoutSeconds === 'number'
          ? { timeoutSeconds: definition.TimeoutSeconds }
          : {}),
      };
    }
    if (typeof input.roleArn === 'string') next = { ...next, roleArn: input.roleArn };
    // Running executions keep the definition they started with, as on AWS.
    this.register(next);
    return { updateDate: epoch(Date.now()) };
  }

  private deleteStateMachine(input: Record<string, unknown>): unknown {
    const arn = input.stateMachineArn;
    if (typeof arn !== 'string' || !arn.startsWith('arn:'))
      throw new LocalServiceError('InvalidArn', `Invalid Arn: '${String(arn)}'`);
    this.machines.delete(arn);
    return {};
  }

  private prepareStart(input: Record<string, unknown>): {
    machine: LocalStateMachine;
    name: string;
    inputText: string;
    parsed: unknown;
  } {
    const machine = this.machine(input.stateMachineArn);
    const name = input.name === undefined ? randomUUID() : input.name;
    if (typeof name !== 'string' || !isValidName(name))
      throw new LocalServiceError('InvalidName', `Invalid Name: '${String(name)}'`);
    const inputText = input.input === undefined ? '{}' : input.input;
    if (typeof inputText !== 'string')
      throw new LocalServiceError('InvalidExecutionInput', 'input must be a JSON string');
    if (Buffer.byteLength(inputText, 'utf8') > MAX_PAYLOAD_BYTES)
      throw new LocalServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PAYLOAD_BYTES}`,
      );
    const depth = jsonNestingDepth(inputText);
    if (depth > MAX_JSON_DEPTH)
      throw new LocalServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: nested ${depth} levels deep, more than the ${MAX_JSON_DEPTH} levels the local cloud accepts. ` +
          'Flatten the input (a saga step needs only the fields it reads).',
      );
    let parsed: unknown;
    try {
      parsed = JSON.parse(inputText);
    } catch {
      throw new LocalServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${inputText}'`,
      );
    }
    return { machine, name, inputText, parsed };
  }

  private startExecution(input: Record<string, unknown>): unknown {
    const { machine, name, inputText, parsed } = this.prepareStart(input);
    const arn =
      machine.type === 'EXPRESS'
        ? `arn:aws:states:${this.deps.region}:${this.deps.accountId}:express:${machine.name}:${name}:${randomUUID()}`
        : `arn:aws:states:${this.deps.region}:${this.deps.accountId}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(arn);
    if (existing) {
      // AWS: same name and input while running → the same answer; otherwise the name is taken.
      if (existing.status === 'RUNNING' && existing.input === inputText) {
        return { executionArn: existing.arn, startDate: epoch(existing.startDate) };
      }
      throw new LocalServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    const execution = this.run(machine, arn, name, inputText, parsed);
    return { executionArn: execution.arn, startDate: epoch(execution.startDate) };
  }

  private async startSyncExecution(input: Record<string, unknown>): Promise<unknown> {
    const { machine, name, inputText, parsed } = this.prepareStart(input);
    if (machine.type !== 'EXPRESS') {
      throw new LocalServiceError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    }
    const arn = `arn:aws:states:${this.deps.region}:${this.deps.accountId}:express:${machine.name}:${name}:${randomUUID()}`;
    const execution = this.run(machine, arn, name, inputText, parsed);
    await execution.finished;
    return {
      ...this.describeExecution(execution),
      billingDetails: {
        billedMemoryUsedInMB: 64,
        billedDurationInMilliseconds: (execution.stopDate ?? Date.now()) - execution.startDate,
      },
    };
  }

  private run(
    machine: LocalStateMachine,
    arn: string,
    name: string,
    inputText: string,
    input: unknown,
  ): Execution {
    const execution: Execution = {
      arn,
      name,
      machine,
      input: inputText,
      startDate: Date.now(),
      history: new HistoryRecorder(),
      status: 'RUNNING',
      redriveCount: 0,
      abort: () => {},
      finished: Promise.resolve(),
    };
    const recorder = this.deps.recorder;
    if (recorder && machine.type === 'STANDARD') {
      recorder.started({
        arn,
        name,
        machineArn: machine.arn,
        definition: machine.definition,
        input: inputText,
        startDate: execution.startDate,
      });
      execution.history.listener = (event) => recorder.event(arn, event);
    }
    this.executions.set(arn, execution);
    this.launch(execution, machine.analyzed.runnable, input);
    return execution;
  }

  /**
   * Brings back the Standard executions of a persisted cloud: their history and status, and those
   * that were running carry on (see {@link resumePlan}) with the definition they started with.
   * Returns how many were resumed.
   */
  restore(executions: readonly RestoredExecution[]): number {
    let resumed = 0;
    for (const restored of executions) {
      const current = this.machines.get(restored.machineArn);
      if (!current) {
        this.onLog({
          timestamp: Date.now(),
          source: 'stepfunctions',
          level: 'warn',
          message: `execution ${restored.name} is not restored: its state machine ${restored.machineArn} is no longer in the app`,
        });
        continue;
      }
      let machine = current;
      if (current.definition !== restored.definition) {
        try {
          machine = {
            ...current,
            definition: restored.definition,
            analyzed: this.analyze(current.name, this.parseDefinition(restored.definition)),
          };
        } catch (error) {
          this.onLog({
            timestamp: Date.now(),
            source: 'stepfunctions',
            resource: current.name,
            level: 'warn',
            message: `execution ${restored.name} is not restored: the definition it started with no longer runs here (${(error as Error).message})`,
          });
          continue;
        }
      }
      const state = statusFromHistory(restored.events);
      const history = new HistoryRecorder(restored.events);
      const execution: Execution = {
        arn: restored.arn,
        name: restored.name,
        machine,
        input: restored.input,
        startDate: restored.startDate,
        history,
        finished: Promise.resolve(),
        abort: () => {},
        ...state,
      };
      const recorder = this.deps.recorder;
      if (recorder) history.listener = (event) => recorder.event(restored.arn, event);
      this.executions.set(restored.arn, execution);
      if (state.status !== 'RUNNING') {
        history.close();
        continue;
      }
      const plan = resumePlan(
        restored.events,
        machine.analyzed.runnable as never,
        JSON.parse(restored.input),
        restored.tokens,
      );
      this.launch(execution, plan.definition as never, plan.input, {
        resumed: true,
        ...(plan.token ? { token: plan.token } : {}),
      });
      resumed += 1;
    }
    return resumed;
  }

  /**
   * Runs `definition` for the execution on a fresh interpreter: from StartAt for a new execution,
   * from the unsuccessful state for a redrive (whose interpreter-side ExecutionStarted is dropped:
   * the history already has one, and gets ExecutionRedriven instead).
   */
  private launch(
    execution: Execution,
    definition: LocalStateMachine['analyzed']['runnable'],
    input: unknown,
    resume: { readonly resumed: boolean; readonly token?: string } = { resumed: false },
  ): void {
    const { machine, arn, name, history } = execution;
    // A redriven or resumed execution already has its ExecutionStarted.
    const redriven = execution.redriveCount > 0 || resume.resumed;
    const interpreter = new StateMachine(definition, {
      validationOptions: { noValidate: true },
    });
    const startedAt = Date.now();
    // A resumed state that had been given a token reads it again.
    let pendingToken: string | undefined = resume.token;
    const tokens = this.deps.tokens;
    if (resume.token) tokens.reissue(resume.token, arn);
    const recorder = machine.type === 'STANDARD' ? this.deps.recorder : undefined;
    const context = {
      Execution: {
        Id: arn,
        Name: name,
        RoleArn: machine.roleArn,
        LocalInput: JSON.parse(execution.input),
        LocalStartTime: new Date(execution.startDate).toISOString(),
        RedriveCount: execution.redriveCount,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      // Read while the interpreter evaluates a Task's Parameters, right before the task's local
      // handler is called in the same synchronous run, which takes the token.
      Task: {
        get Token(): string {
          pendingToken ??= tokens.issue(arn);
          return pendingToken;
        },
      },
      State: {
        get EnteredTime(): string {
          return new Date().toISOString();
        },
        RetryCount: 0,
      },
    };
    const handlers: Record<string, (taskInput: unknown) => Promise<unknown>> = {};
    for (const [stateName, binding] of machine.analyzed.tasks) {
      handlers[stateName] = async (taskInput) => {
        const token = pendingToken;
        pendingToken = undefined;
        // Let the history catch up with the interpreter's events (TaskStateEntered) first.
        await new Promise((resolve) => setImmediate(resolve));
        // Written before the token leaves (in the task's request), so that it stays valid across a
        // restart, and after this state's TaskStateEntered, which is how a restart finds it again.
        // A resumed task's token is written anew: a second restart looks for it after the new entry.
        if (token) recorder?.token(arn, token, history.events.length);
        // The state before this one may have ended the execution (its output was over the limit)
        // while the interpreter moved on: on AWS this Task never starts.
        if (execution.status !== 'RUNNING')
          throw new TaskFailure('States.Runtime', 'the execution has ended');
        try {
          return await runTask(this.deps, {
            executionArn: arn,
            stateMachineArn: machine.arn,
            history,
            stateName,
            binding,
            input: taskInput,
            token,
            heartbeatSeconds: machine.analyzed.heartbeats.get(stateName),
          });
        } catch (error) {
          if (error instanceof TerminalTaskFailure) this.failTerminally(execution, error);
          throw error;
        }
      };
    }
    let aborted = false;
    const running = interpreter.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context,
      noThrowOnAbort: true,
    });
    execution.abort = () => {
      aborted = true;
      running.abort();
    };
    const timedOutTaskEvent = (stateName: string) =>
      machine.analyzed.tasks.get(stateName)?.kind === 'lambda-function'
        ? 'LambdaFunctionTimedOut'
        : 'TaskTimedOut';
    const consume = async () => {
      for await (const event of running.eventLogs as AsyncGenerator<EventLog>) {
        if (redriven && event.type === 'ExecutionStarted') continue;
        // A state's output is its input with the result merged in by ResultPath; AWS ends the
        // execution when it is over the payload limit, instead of exiting the state, and no Catch sees it.
        if (event.type === 'StateExited') {
          const failure = stateOutputFailure(event.state.name, event.state.output);
          if (failure) {
            this.failTerminally(execution, failure);
            continue;
          }
        }
        history.record(
          event,
          machine.roleArn,
          timedOutTaskEvent,
          (stateName, type) => machine.analyzed.standInStates.get(stateName) ?? type,
        );
        this.settleFrom(execution, event);
      }
    };
    execution.finished = Promise.allSettled([running.result, consume()]).then(([result]) => {
      if (execution.status === 'RUNNING') {
        // The event log ended without a terminal event (aborted without StopExecution, or the
        // interpreter itself broke). A failure must still say why, in the history and in
        // DescribeExecution, as every execution that ends on AWS does.
        execution.status = aborted ? 'ABORTED' : result.status === 'fulfilled' ? 'SUCCEEDED' : 'FAILED';
        execution.stopDate = Date.now();
        if (execution.status === 'FAILED' && result.status === 'rejected') {
          const reason = result.reason as { name?: unknown; message?: unknown } | undefined;
          execution.error = 'States.Runtime';
          execution.cause = `The local Step Functions interpreter failed: ${String(reason?.name ?? 'Error')}: ${String(reason?.message ?? reason)}`;
          if (history.events.length === 0) {
            history.add(
              'ExecutionStarted',
              'executionStartedEventDetails',
              {
                input: execution.input,
                inputDetails: { truncated: false },
                roleArn: machine.roleArn,
              },
              execution.startDate,
            );
          }
          history.add('ExecutionFailed', 'executionFailedEventDetails', {
            error: execution.error,
            cause: execution.cause,
          });
        }
      }
      history.close();
      tokens.dropExecution(arn);
      this.onLog({
        timestamp: Date.now(),
        source: 'stepfunctions',
        resource: machine.name,
        level: execution.status === 'SUCCEEDED' ? 'info' : 'warn',
        message: `execution ${name} ${execution.status}${execution.error ? `: ${execution.error}` : ''}`,
      });
    });
    this.onLog({
      timestamp: startedAt,
      source: 'stepfunctions',
      resource: machine.name,
      level: 'info',
      message: resume.resumed
        ? `execution ${name} resumed after a restart`
        : redriven
          ? `execution ${name} redriven (${execution.redriveCount})`
          : `execution ${name} started`,
    });
  }

  /**
   * Why RedriveExecution would refuse the execution (DescribeExecution's redriveStatusReason), or
   * `undefined` when it may be redriven: AWS redrives Standard executions that failed, timed out or
   * were aborted in the last 14 days and whose history has room for more events.
   */
  private notRedrivableReason(e: Execution): string | undefined {
    if (e.machine.type === 'EXPRESS') return 'Execution is of type EXPRESS and cannot be redriven.';
    if (e.status === 'RUNNING') return 'Execution is RUNNING and cannot be redriven.';
    if (e.status === 'SUCCEEDED') return 'Execution is SUCCEEDED and cannot be redriven.';
    if (e.stopDate !== undefined && Date.now() - e.stopDate > REDRIVABLE_PERIOD_MS)
      return 'Execution redrivable period exceeded.';
    if (e.history.events.length >= MAX_REDRIVABLE_HISTORY_EVENTS)
      return 'Execution history event limit exceeded.';
    if (Date.now() - e.startDate > MAX_EXECUTION_MS) return 'Execution has exceeded the max execution time.';
    return undefined;
  }

  private async redriveExecution(input: Record<string, unknown>): Promise<unknown> {
    const execution = this.execution(input.executionArn);
    // A stopped run may still be unwinding; its end must not close the redriven run's history.
    if (execution.status !== 'RUNNING') await execution.finished;
    const reason = this.notRedrivableReason(execution);
    if (reason !== undefined) {
      throw new LocalServiceError('ExecutionNotRedrivable', `Execution is not redrivable: ${reason}`);
    }
    const runnable = execution.machine.analyzed.runnable as unknown as {
      StartAt: string;
      States: Record<string, { Next?: unknown }>;
    };
    const point = redrivePoint(execution.history.events, runnable.States) ?? {
      state: runnable.StartAt,
      input: JSON.parse(execution.input),
    };
    const redriveDate = Date.now();
    execution.redriveCount += 1;
    execution.redriveDate = redriveDate;
    execution.status = 'RUNNING';
    delete execution.stopDate;
    delete execution.output;
    delete execution.error;
    delete execution.cause;
    execution.history.reopen();
    execution.history.add('ExecutionRedriven', 'executionRedrivenEventDetails', {
      redriveCount: execution.redriveCount,
    });
    this.launch(
      execution,
      {
        ...execution.machine.analyzed.runnable,
        StartAt: point.state,
      } as LocalStateMachine['analyzed']['runnable'],
      point.input,
    );
    return { redriveDate: epoch(redriveDate) };
  }

  /** Ends the execution with an error that no Retry or Catch handles. */
  private failTerminally(execution: Execution, failure: TerminalTaskFailure): void {
    if (execution.status !== 'RUNNING') return;
    execution.status = 'FAILED';
    execution.stopDate = Date.now();
    execution.error = failure.name;
    execution.cause = failure.message;
    execution.history.add('ExecutionFailed', 'executionFailedEventDetails', {
      error: failure.name,
      cause: failure.message,
    });
    execution.history.close();
    execution.abort();
  }

  private settleFrom(execution: Execution, event: EventLog): void {
    if (execution.status !== 'RUNNING') return;
    switch (event.type) {
      case 'ExecutionSucceeded':
        execution.status = 'SUCCEEDED';
        execution.output = JSON.stringify(event.output ?? null);
        break;
      case 'ExecutionFailed': {
        execution.status = 'FAILED';
        const { error, cause } = executionFailure(event.Error, event.Cause);
        if (error !== undefined) execution.error = error;
        if (cause !== undefined) execution.cause = cause;
        break;
      }
      case 'ExecutionTimeout':
        execution.status = 'TIMED_OUT';
        execution.error = 'States.Timeout';
        break;
      default:
        return;
    }
    execution.stopDate = event.timestamp;
  }

  private describeExecution(e: Execution): Record<string, unknown> {
    return {
      executionArn: e.arn,
      stateMachineArn: e.machine.arn,
      name: e.name,
      status: e.status,
      startDate: epoch(e.startDate),
      ...(e.stopDate !== undefined ? { stopDate: epoch(e.stopDate) } : {}),
      input: e.input,
      inputDetails: { included: true },
      ...(e.output !== undefined ? { output: e.output, outputDetails: { included: true } } : {}),
      ...(e.error !== undefined ? { error: e.error } : {}),
      ...(e.cause !== undefined ? { cause: e.cause } : {}),
      ...this.redriveFields(e),
    };
  }

  private redriveFields(e: Execution): Record<string, unknown> {
    if (e.machine.type === 'EXPRESS') return {};
    const reason = this.notRedrivableReason(e);
    return {
      redriveCount: e.redriveCount,
      ...(e.redriveDate !== undefined ? { redriveDate: epoch(e.redriveDate) } : {}),
      redriveStatus: reason === undefined ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
      ...(reason !== undefined ? { redriveStatusReason: reason } : {}),
    };
  }

  private listExecutions(input: Record<string, unknown>): unknown {
    const machine = this.machine(input.stateMachineArn);
    if (input.statusFilter !== undefined && !EXECUTION_STATUSES.includes(String(input.statusFilter))) {
      throw new LocalServiceError(
        'ValidationException',
        `1 validation error detected: Value '${String(input.statusFilter)}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${EXECUTION_STATUSES.join(', ')}]`,
      );
    }
    if (machine.type === 'EXPRESS') {
      throw new LocalServiceError(
        'StateMachineTypeNotSupported',
        'This operation is not supported by this type of state machine',
      );
    }
    const all = [...this.executions.values()]
      .filter(
        (e) =>
          e.machine === machine &&
          (input.statusFilter === undefined || e.status === input.statusFilter) &&
          (input.redriveFilter === undefined || (input.redriveFilter === 'REDRIVEN') === e.redriveCount > 0),
      )
      .sort((a, b) => b.startDate - a.startDate);
    const { page, nextToken } = paginate(all, input);
    return {
      executions: page.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: machine.arn,
        name: e.name,
        status: e.status,
        startDate: epoch(e.startDate),
        ...(e.stopDate !== undefined ? { stopDate: epoch(e.stopDate) } : {}),
        ...(machine.type === 'STANDARD' ? { redriveCount: e.redriveCount } : {}),
        ...(e.redriveDate !== undefined ? { redriveDate: epoch(e.redriveDate) } : {}),
      })),
      ...(nextToken ? { nextToken } : {}),
    };
  }

  private getExecutionHistory(input: Record<string, unknown>): unknown {
    const execution = this.standardExecution(input.executionArn);
    const includeData = input.includeExecutionData !== false;
    let events = execution.history.events.map((event) => (includeData ? event : stripData(event)));
    if (input.reverseOrder === true) events = [...events].reverse();
    const { page, nextToken } = paginate(events, input);
    return { events: page, ...(nextToken ? { nextToken } : {}) };
  }

  private stopExecution(input: Record<string, unknown>): unknown {
    const execution = this.standardExecution(input.executionArn);
    const stopDate = Date.now();
    if (execution.status === 'RUNNING') {
      execution.status = 'ABORTED';
      execution.stopDate = stopDate;
      if (typeof input.error === 'string') execution.error = input.error;
      if (typeof input.cause === 'string') execution.cause = input.cause;
      execution.history.add('ExecutionAborted', 'executionAbortedEventDetails', {
        ...(typeof input.error === 'string' ? { error: input.error } : {}),
        ...(typeof input.cause === 'string' ? { cause: input.cause } : {}),
      });
      execution.history.close();
      execution.abort();
    }
    return { stopDate: epoch(execution.stopDate ?? stopDate) };
  }
}

const TOKEN_PREFIX = 'stepsaga-page:';

/** Pages with an opaque token; one this service did not issue is refused as AWS refuses it. */
function paginate<T>(items: T[], input: Record<string, unknown>): { page: T[]; nextToken?: string } {
  let start = 0;
  if (input.nextToken !== undefined && input.nextToken !== null) {
    const token = String(input.nextToken);
    const decoded = Buffer.from(token, 'base64url').toString('utf8');
    const offset = decoded.startsWith(TOKEN_PREFIX) ? Number(decoded.slice(TOKEN_PREFIX.length)) : Number.NaN;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new LocalServiceError('InvalidToken', `Invalid Token: '${token}'`);
    }
    start = offset;
  }
  const max = typeof input.maxResults === 'number' && input.maxResults > 0 ? input.maxResults : 1000;
  const page = items.slice(start, start + max);
  return start + max < items.length
    ? { page, nextToken: Buffer.from(`${TOKEN_PREFIX}${start + max}`).toString('base64url') }
    : { page };
}

function stripData(event: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (value && typeof value === 'object' && key.endsWith('EventDetails')) {
      const { input: _i, output: _o, ...rest } = value as Record<string, unknown>;
      out[key] = rest;
    } else out[key] = value;
  }
  return out as never;
}
