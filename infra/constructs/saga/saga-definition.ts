import { NOTIFICATION_ID_ATTRIBUTE } from '../../../functions/notifier/notification-id.js';
import { ERRORS_KEY } from '../../../functions/runtime/contract.js';
import { ErrorNames } from '../../../functions/runtime/errors.js';
import { type SagaOutcomeType, SagaOutcomeTypes } from '../../../functions/runtime/saga-outcome-message.js';
import type { AslState, AslValue } from '../orchestration/asl-value.js';
import { parkStates } from '../orchestration/park-state.js';
import { parkStateName } from '../orchestration/park-state-names.js';
import { participantRequest } from '../orchestration/participant-request.js';
import {
  CRASH_ERRORS,
  catchInto,
  catchRefusalsInto,
  failWithCaughtErrors,
  retrier,
  TRANSIENT_ERRORS,
} from '../orchestration/task-errors.js';
import { parallelGroupState } from './parallel-group-state.js';
import { callbackTask } from './saga-callback-step.js';
import { childCompensationTask, childForwardState } from './saga-child-step.js';
import { entryStateName } from './saga-parallel-group.js';
import {
  OUTCOME_RETRY,
  OUTCOME_TIMEOUT_SECONDS,
  type ResolvedRetry,
  type ResolvedStep,
} from './saga-plan.js';
import type { SagaInputField, SagaInputFieldType, SagaInputSchema } from './saga-props.js';
import type { SagaStateBudget } from './saga-state-budget.js';
import { compensationStateName, member, OutcomeStateNames, StateNames } from './saga-state-names.js';
import { RESERVED_INPUT_KEYS } from './saga-validation.js';
import type { StepPayloadParameters } from './step-payload.js';

export type { AslState, AslValue } from '../orchestration/asl-value.js';
export { TRANSIENT_ERRORS } from '../orchestration/task-errors.js';

export interface SagaDefinition {
  readonly Comment: string;
  readonly StartAt: string;
  readonly TimeoutSeconds?: number;
  readonly States: Record<string, AslState>;
}

export interface SagaDefinitionInput {
  readonly sagaName: string;
  readonly steps: readonly ResolvedStep[];
  readonly compensationRetry: ResolvedRetry;
  readonly parkedQueueUrl: string;
  /** Publish the outcomes in `publishOutcomes` to this queue before their terminal states. */
  readonly outcomeQueueUrl?: string;
  /** @default every outcome, when `outcomeQueueUrl` is set */
  readonly publishOutcomes?: readonly SagaOutcomeType[];
  readonly timeoutSeconds?: number;
  readonly inputSchema?: SagaInputSchema;
  /** The state budget the participants enforce; without it they only hold results to 256 KiB. */
  readonly budget?: SagaStateBudget;
  /**
   * How long a parked execution waits for an operator's decision; `undefined` parks without waiting
   * (Express state machines cannot wait on a task token).
   */
  readonly parkedDecisionTimeoutSeconds?: number;
  /** Each step's lean payload (see step-payload.ts), in step order; undefined sends everything. */
  readonly payloads?: readonly (StepPayloadParameters | undefined)[];
}

const SQS_SEND_MESSAGE = 'arn:aws:states:::sqs:sendMessage';

const stringAttribute = (path: string): AslState => ({ DataType: 'String', 'StringValue.$': path });

/**
 * The Task that sends one outcome message, then goes on to the terminal state whatever happens:
 * the saga has already ended, so a queue that stays unavailable after the retries is recorded under
 * `$.errors` (visible in the output or the Fail cause) instead of failing a succeeded saga.
 */
function publishOutcome(
  sagaName: string,
  queueUrl: string,
  type: SagaOutcomeType,
  stateName: string,
  terminal: string,
): AslState {
  return {
    Type: 'Task',
    Comment: `Tell subscribers the saga ended with ${type}; a failed send does not change the outcome`,
    Resource: SQS_SEND_MESSAGE,
    Parameters: {
      QueueUrl: queueUrl,
      MessageBody: {
        type,
        'sagaId.$': '$$.Execution.Name',
        sagaName,
        'executionArn.$': '$$.Execution.Id',
        // Both paths always exist here: every success path wrote results, every failure path errors.
        'summary.$': type === SagaOutcomeTypes.succeeded ? '$.results' : '$.errors',
        'time.$': '$$.State.EnteredTime',
      },
      // The execution ARN is unique per execution and the same on every retry of the send, so the
      // notifier's status record turns a duplicate send into one delivery.
      MessageAttributes: {
        [NOTIFICATION_ID_ATTRIBUTE]: stringAttribute('$$.Execution.Id'),
        eventType: { DataType: 'String', StringValue: type },
        sagaId: stringAttribute('$$.Execution.Name'),
      },
    },
    ResultPath: null,
    TimeoutSeconds: OUTCOME_TIMEOUT_SECONDS,
    Retry: retrier(['States.ALL'], OUTCOME_RETRY),
    Catch: catchInto(stateName, terminal),
    Next: terminal,
  };
}

function request(
  sagaName: string,
  step: ResolvedStep,
  phase: 'action' | 'compensation',
  action: string,
  budget: SagaStateBudget | undefined,
  resultsExist: boolean,
  payload?: StepPayloadParameters,
): AslState {
  const resultBytes = budget?.resultBytes[step.index];
  // The compensation gets the same selection as its action (its handler parses the same input
  // schema); only the action's result lands in the state, so only it carries `keep`.
  const lean = payload && phase === 'compensation' ? { ...payload, keep: undefined } : payload;
  // Nothing has run before the first step, so `$.results` does not exist yet. Only a forward
  // phase's result lands in the state, so only it carries the budget.
  return participantRequest({
    sagaName,
    step: step.name,
    phase,
    action,
    resultsExist,
    ...(lean ? { payload: lean } : {}),
    ...(phase === 'action' && budget && resultBytes !== undefined
      ? { budget: { inputBytes: budget.inputBytes, resultBytes } }
      : {}),
  });
}

/**
 * The first step's participant refuses an input that is not a JSON object, or is over the input
 * budget, with `SagaInputInvalid` before anything commits. Its Catch cannot record the error under
 * `$.errors` as usual: merging into an input that is not an object fails too
 * (`States.ResultPathMatchFailure`), and ends the execution with no outcome. So this catcher
 * replaces the state with the error, and a Pass state
 * (on this failure path only; the happy path keeps N + 1 transitions) rebuilds `$.errors` from it.
 */
function inputRefusalCatcher(): AslValue {
  // No ResultPath: a catcher's default, "$", replaces the state with the error whatever the input
  // was (aws-local-stepfunctions refuses an explicit "$" on an input that is not an object).
  return { ErrorEquals: [ErrorNames.inputInvalid], Next: StateNames.recordInputRefusal };
}

const TYPE_TESTS: Record<SagaInputFieldType, string> = {
  string: 'IsString',
  number: 'IsNumeric',
  boolean: 'IsBoolean',
  timestamp: 'IsTimestamp',
};

function inputRule(name: string, spec: SagaInputFieldType | SagaInputField): AslState {
  const field: SagaInputField = typeof spec === 'string' ? { type: spec } : spec;
  const variable = `$${member(name)}`;
  const typed: AslState = { Variable: variable, [TYPE_TESTS[field.type]]: true };
  // IsPresent guards the type test, which fails the execution on a missing variable.
  return field.optional
    ? {
        Or: [
          { Not: { Variable: variable, IsPresent: true } },
          { And: [{ Variable: variable, IsPresent: true }, typed] },
        ],
      }
    : { And: [{ Variable: variable, IsPresent: true }, typed] };
}

function describeSchema(schema: SagaInputSchema): string {
  return Object.entries(schema)
    .map(([name, spec]) => {
      const field: SagaInputField = typeof spec === 'string' ? { type: spec } : spec;
      return `${name}${field.optional ? '?' : ''}: ${field.type}`;
    })
    .join(', ');
}

/**
 * Retry and Catch of a forward step, by kind:
 * - compensatable: retry transient errors; any failure compensates this step too, because a
 *   timed-out or crashed action may have committed and its compensation is safe either way.
 * - pivot: it cannot be undone, so compensating the earlier steps after it committed would keep
 *   its effect and undo what paid for it. Crashes are retried as well (the barrier answers a retry
 *   with the committed result). Only a refusal that proves no attempt committed (a business error,
 *   an invalid request) compensates; any other lasting failure parks the saga for an operator,
 *   because the last attempt's error says nothing about an earlier attempt that committed and
 *   then crashed.
 * - retriable: it must finish, so crashes are retried too and any lasting failure parks.
 */
function forwardErrorHandling(
  step: ResolvedStep,
  compensateEarlier: string,
): { Retry: AslValue[]; Catch: AslValue[] } {
  switch (step.kind) {
    case 'compensatable':
      return {
        Retry: retrier(TRANSIENT_ERRORS, step.retry),
        Catch: catchInto(step.name, compensationStateName(step.name)),
      };
    case 'pivot':
      return {
        Retry: retrier([...TRANSIENT_ERRORS, ...CRASH_ERRORS], step.retry),
        Catch: catchRefusalsInto(step.name, compensateEarlier, parkStateName(step.name)),
      };
    case 'retriable':
      return {
        Retry: retrier([...TRANSIENT_ERRORS, ...CRASH_ERRORS], step.retry),
        Catch: catchInto(step.name, parkStateName(step.name)),
      };
  }
}

/**
 * Builds the saga's Amazon States Language definition as docs/architecture.md specifies:
 * JSONPath only, one Task per forward step, one reverse compensation chain, a park path.
 */
export function buildSagaDefinition(input: SagaDefinitionInput): SagaDefinition {
  const { sagaName, steps, compensationRetry, outcomeQueueUrl } = input;
  const states: Record<string, AslState> = {};
  const first = steps[0]!;
  const published = new Set<SagaOutcomeType>(
    outcomeQueueUrl === undefined ? [] : (input.publishOutcomes ?? Object.values(SagaOutcomeTypes)),
  );
  /** The state each outcome path enters after the last step: the publish Task when there is one. */
  const toSucceeded = published.has(SagaOutcomeTypes.succeeded)
    ? OutcomeStateNames.succeeded
    : StateNames.succeeded;
  const toCompensated = published.has(SagaOutcomeTypes.compensated)
    ? OutcomeStateNames.compensated
    : StateNames.compensated;
  const toParked = published.has(SagaOutcomeTypes.parked) ? OutcomeStateNames.parked : StateNames.parked;

  if (input.inputSchema) {
    const rules = Object.entries(input.inputSchema).map(([name, spec]) => inputRule(name, spec));
    const reserved = RESERVED_INPUT_KEYS.map((key) => ({ Not: { Variable: `$.${key}`, IsPresent: true } }));
    states[StateNames.validateInput] = {
      Type: 'Choice',
      Comment: 'One transition: the input must match the saga input schema',
      Choices: [{ And: [...rules, ...reserved], Next: entryStateName(first) }],
      Default: StateNames.inputInvalid,
    };
    states[StateNames.inputInvalid] = {
      Type: 'Fail',
      Error: ErrorNames.inputInvalid,
      Cause: `The execution input does not match the input schema of saga "${sagaName}" { ${describeSchema(input.inputSchema)} }, or it sets a reserved key (${RESERVED_INPUT_KEYS.join(', ')}). Nothing ran.`,
    };
  }

  /** The compensation that undoes everything committed before `index`, or the final Fail. */
  const compensationBefore = (index: number): string => {
    const previous = steps
      .slice(0, index)
      .reverse()
      .find((s) => s.kind === 'compensatable');
    return previous ? compensationStateName(previous.name) : toCompensated;
  };

  /** Whether `$.results` exists when `step` runs: some step ran before it (or before its group). */
  const resultsExist = (step: ResolvedStep): boolean =>
    steps.findIndex((s) => entryStateName(s) === entryStateName(step)) > 0;
  /** The state after `step` succeeds: the next step's (or group's) state, skipping the rest of its group. */
  const nextState = (step: ResolvedStep): string => {
    const after = steps.slice(step.index + 1).find((s) => s.group === undefined || s.group !== step.group);
    return after ? entryStateName(after) : toSucceeded;
  };

  for (const step of steps) {
    const next = nextState(step);
    states[step.name] = {
      Type: 'Task',
      Comment: `${step.kind} step: ${step.action}${step.compensation !== undefined ? ` (undone by ${step.compensation})` : ''}`,
      Resource: step.functionArn,
      Parameters: request(
        sagaName,
        step,
        'action',
        step.action,
        input.budget,
        resultsExist(step),
        input.payloads?.[step.index],
      ),
      ResultPath: `$.results${member(step.name)}`,
      TimeoutSeconds: step.timeoutSeconds,
      ...forwardErrorHandling(step, compensationBefore(step.index)),
      Next: next,
    };
    if (step.callback) states[step.name] = callbackTask(states[step.name]!, step.callback, step.retry);
    if (step.child) {
      states[step.name] = childForwardState(states[step.name]!, step, compensationBefore(step.index));
    }
    if (step.index === 0 && input.budget) {
      const forward = states[step.name]!;
      forward['Catch'] = [inputRefusalCatcher(), ...(forward['Catch'] as AslValue[])];
    }
    if (step.compensation !== undefined) {
      const name = compensationStateName(step.name);
      states[name] = {
        Type: 'Task',
        Comment: `Undo ${step.name} with ${step.compensation}`,
        Resource: step.functionArn,
        Parameters: request(
          sagaName,
          step,
          'compensation',
          step.compensation,
          input.budget,
          resultsExist(step),
          input.payloads?.[step.index],
        ),
        ResultPath: null,
        TimeoutSeconds: step.timeoutSeconds,
        Retry: retrier(['States.ALL'], compensationRetry),
        Catch: catchInto(name, parkStateName(name)),
        Next: compensationBefore(step.index),
      };
      if (step.child) states[name] = { ...states[name]!, ...childCompensationTask(step.name, step.child) };
    }
  }

  for (const group of new Set(steps.flatMap((s) => (s.group === undefined ? [] : [s.group])))) {
    const members = steps.filter((s) => s.group === group);
    const first = members[0]!;
    const last = members[members.length - 1]!;
    const memberStates = members.map((s) => states[s.name]!);
    for (const s of members) delete states[s.name];
    // A failed compensatable branch compensates every branch (the barrier makes compensating one that
    // never committed, or commits late, harmless), from the last declared back to the first.
    const catchers =
      first.kind === 'compensatable'
        ? catchInto(group, compensationStateName(last.name))
        : catchInto(group, parkStateName(group));
    states[group] = parallelGroupState({
      group,
      members,
      memberStates,
      resultsBefore: steps.slice(0, first.index).map((s) => s.name),
      catchers: first.index === 0 && input.budget ? [inputRefusalCatcher(), ...catchers] : catchers,
      next: nextState(last),
    });
  }

  const park = (failedState: string, step: ResolvedStep, phase: 'action' | 'compensation', skipTo: string) =>
    Object.assign(
      states,
      parkStates({
        failedState,
        step: entryStateName(step),
        phase,
        queueUrl: input.parkedQueueUrl,
        sagaName,
        skipTo,
        abandonTo: toParked,
        ...(input.parkedDecisionTimeoutSeconds !== undefined
          ? { decisionTimeoutSeconds: input.parkedDecisionTimeoutSeconds }
          : {}),
        // A parked queue that stays unavailable must still end the execution as SagaParked (whose
        // failure the failed-executions alarm sees), with the send's error in the cause.
        catchSendFailure: true,
      }),
    );
  for (const step of steps) {
    // skip on a forward step: the operator did the step's work by hand, so the saga goes forward.
    // A retriable group parks as one: `retry` runs every branch again (the barrier answers the
    // branches that committed with their first result).
    if (
      step.kind !== 'compensatable' &&
      (step.group === undefined || step === steps.find((s) => s.group === step.group))
    ) {
      park(entryStateName(step), step, 'action', nextState(step));
    }
    if (step.compensation !== undefined) {
      park(compensationStateName(step.name), step, 'compensation', compensationBefore(step.index));
    }
  }

  for (const state of Object.values(states)) {
    if (Array.isArray(state['Retry']) && state['Retry'].length === 0) delete state['Retry'];
  }

  states[StateNames.parked] = failWithCaughtErrors(ErrorNames.parked);
  states[StateNames.compensated] = failWithCaughtErrors(ErrorNames.compensated);
  states[StateNames.succeeded] = { Type: 'Succeed' };
  if (input.budget) {
    const toInputRefused = published.has(SagaOutcomeTypes.compensated)
      ? OutcomeStateNames.inputRefused
      : StateNames.inputRefused;
    states[StateNames.recordInputRefusal] = {
      Type: 'Pass',
      Comment: `${first.name} refused the execution input; record its error where every failure is recorded`,
      Parameters: { [ERRORS_KEY]: { [`${first.name}.$`]: '$' } },
      Next: toInputRefused,
    };
    states[StateNames.inputRefused] = failWithCaughtErrors(ErrorNames.inputInvalid);
  }

  if (outcomeQueueUrl !== undefined) {
    const outcomes: [SagaOutcomeType, string, string][] = [
      [SagaOutcomeTypes.succeeded, OutcomeStateNames.succeeded, StateNames.succeeded],
      [SagaOutcomeTypes.compensated, OutcomeStateNames.compensated, StateNames.compensated],
      [SagaOutcomeTypes.parked, OutcomeStateNames.parked, StateNames.parked],
    ];
    for (const [type, name, terminal] of outcomes) {
      if (published.has(type)) states[name] = publishOutcome(sagaName, outcomeQueueUrl, type, name, terminal);
    }
    // Nothing committed, as after a compensation: subscribers to compensations hear of it too.
    if (input.budget && published.has(SagaOutcomeTypes.compensated)) {
      states[OutcomeStateNames.inputRefused] = publishOutcome(
        sagaName,
        outcomeQueueUrl,
        SagaOutcomeTypes.compensated,
        OutcomeStateNames.inputRefused,
        StateNames.inputRefused,
      );
    }
  }

  return {
    Comment: `Saga ${sagaName}: ${steps.map((s) => s.name).join(' -> ')}`,
    StartAt: input.inputSchema ? StateNames.validateInput : entryStateName(first),
    ...(input.timeoutSeconds !== undefined ? { TimeoutSeconds: input.timeoutSeconds } : {}),
    States: states,
  };
}
