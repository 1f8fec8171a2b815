import { ArnFormat, type Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { AslState, AslValue } from '../orchestration/asl-value.js';
import { parkStateName } from '../orchestration/park-state-names.js';
import { catchInto, retrier } from '../orchestration/task-errors.js';
import type { ResolvedStep } from './saga-plan.js';
import type { SagaStepKind, StepRetry } from './saga-props.js';
import { compensationStateName, member } from './saga-state-names.js';
import { SagaValidationError } from './saga-validation.js';

/** What a child step needs of the saga it runs: its state machine and its name (the `Saga` construct). */
export interface ChildSagaRef {
  readonly sagaName: string;
  readonly stateMachine: sfn.IStateMachine;
}

/**
 * A step that runs another saga as one unit (`states:startExecution.sync:2`) and waits for it to end.
 *
 * The child compensates itself when one of its own steps fails; the parent then sees the step fail
 * with `States.TaskFailed` and compensates the steps before it (not the child, which is already
 * undone). When a later step of the parent fails, the parent undoes the child as a unit by running
 * `compensationSaga`, whose input is `{ childSagaId, input }` (the child's execution name, the
 * parent's execution input): its participants find what the child committed through `childSagaId`.
 *
 * The child's execution name is a SHA-256 of the parent's execution name and the step name, so it is
 * the same on every attempt of the step: a retried start of a running child attaches to it (Step
 * Functions answers a StartExecution with the same name and input with the running execution), and
 * one of a child that has already ended is refused as `ExecutionAlreadyExists`, which the parent
 * treats as a child it cannot see into: it compensates it like a timed-out step.
 */
export interface SagaChildStep {
  /** The step's state name and the key of its result (`{ executionArn, results }` of the child). */
  readonly name: string;
  /** The saga to run. It receives the parent's execution input. */
  readonly childSaga: ChildSagaRef;
  /**
   * The saga that undoes a child that succeeded, run when a later step fails (`.sync:2`, execution
   * name `<child name>-undo`). Required for a compensatable child step.
   * @default - none; the step must then be the pivot or retriable
   */
  readonly compensationSaga?: ChildSagaRef;
  /** @default - 'compensatable' with a `compensationSaga`, otherwise as for a plain step */
  readonly kind?: SagaStepKind;
  /**
   * How long the parent waits for the child (and for the compensation saga). Keep it above the
   * child's worst case, compensations included.
   * @default Duration.hours(1)
   */
  readonly timeout?: Duration;
  /**
   * Retry of failed StartExecution calls (throttling, service errors); a child that ended failed is
   * never started again.
   * @default - as for a plain step
   */
  readonly retry?: StepRetry;
}

export const DEFAULT_CHILD_TIMEOUT_SECONDS = 3600;

/** The child saga a resolved child step runs, with its compensation saga. */
export interface ResolvedChild {
  readonly sagaName: string;
  readonly stateMachineArn: string;
  readonly compensation?: { readonly sagaName: string; readonly stateMachineArn: string };
}

const START_SYNC = 'arn:aws:states:::states:startExecution.sync:2';

/** Errors of the StartExecution call itself that are worth retrying (the local cloud and AWS name them so). */
export const CHILD_RETRY_ERRORS: readonly string[] = [
  'StepFunctions.SdkClientException',
  'StepFunctions.AWSStepFunctionsException',
  'StepFunctions.ThrottlingException',
];

/** The child ended failed (compensated, parked or failed) or timed out on its own. */
export const CHILD_FAILED = 'States.TaskFailed';

/**
 * Failures of the start itself, after which the child's outcome is unknown. They must be caught
 * before {@link CHILD_FAILED}, which in `ErrorEquals` matches every error but `States.Timeout`.
 */
export const CHILD_UNKNOWN_ERRORS: readonly string[] = [
  'StepFunctions.ExecutionAlreadyExists',
  'StepFunctions.ExecutionAlreadyExistsException',
  'StepFunctions.ExecutionLimitExceeded',
  'StepFunctions.ExecutionLimitExceededException',
  ...CHILD_RETRY_ERRORS,
];

export function isChildStep(step: object): step is SagaChildStep {
  return 'childSaga' in step;
}

/**
 * The child's execution name: deterministic, at most 64 characters, whatever the parent's name.
 * `States.Hash` of the parent's execution name and the step name.
 */
export function childExecutionName(stepName: string): string {
  return `States.Hash(States.Format('{}/${stepName}', $$.Execution.Name), 'SHA-256')`;
}

/** The forward Task of a child step: start the child with the parent's input and wait for its end. */
export function childTask(stepName: string, child: ResolvedChild): AslState {
  return {
    Resource: START_SYNC,
    Parameters: {
      StateMachineArn: child.stateMachineArn,
      'Name.$': childExecutionName(stepName),
      'Input.$': '$$.Execution.Input',
    },
    // Keep what the parent's later steps and the operator need; the child's input is the parent's.
    ResultSelector: { 'executionArn.$': '$.ExecutionArn', 'results.$': '$.Output.results' },
  };
}

/**
 * Turns a step's forward Task into a child step's: start the child and wait; retry only the start.
 * A child that ended failed has compensated itself, so only the steps before it are compensated
 * (a pivot's earlier steps too: nothing of the child is left). Any other lasting failure (the wait
 * timed out, the start was refused because the child already ended) leaves the child's outcome
 * unknown: a compensatable child is compensated as a unit, a pivot or retriable child parks.
 */
export function childForwardState(task: AslState, step: ResolvedStep, compensateEarlier: string): AslState {
  const { Resource: _resource, Parameters: _parameters, Retry: _retry, Catch: _catch, ...rest } = task;
  const errorsPath = `$.errors${member(step.name)}`;
  const otherwise =
    step.kind === 'compensatable' ? compensationStateName(step.name) : parkStateName(step.name);
  const childFailed: AslValue[] = [
    { ErrorEquals: [...CHILD_UNKNOWN_ERRORS], ResultPath: errorsPath, Next: otherwise },
    { ErrorEquals: [CHILD_FAILED], ResultPath: errorsPath, Next: compensateEarlier },
  ];
  return {
    ...rest,
    ...childTask(step.name, step.child!),
    Retry: retrier(CHILD_RETRY_ERRORS, step.retry),
    Catch: [...(step.kind === 'retriable' ? [] : childFailed), ...catchInto(step.name, otherwise)],
  };
}

/** The compensation Task of a child step: run the compensation saga for the child's execution name. */
export function childCompensationTask(stepName: string, child: ResolvedChild): AslState {
  const compensation = child.compensation!;
  return {
    Resource: START_SYNC,
    Parameters: {
      StateMachineArn: compensation.stateMachineArn,
      'Name.$': `States.Format('{}-undo', ${childExecutionName(stepName)})`,
      Input: {
        'childSagaId.$': childExecutionName(stepName),
        'input.$': '$$.Execution.Input',
      } as AslValue,
    },
  };
}

/**
 * What `.sync:2` needs on exact ARNs: start the child (and its compensation saga), describe and stop
 * their executions, and the EventBridge rule Step Functions manages to learn when they end.
 */
export function grantChildSteps(stateMachine: sfn.StateMachine, children: readonly ChildSagaRef[]): void {
  if (children.length === 0) return;
  const stack = Stack.of(stateMachine);
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['states:StartExecution'],
      resources: children.map((c) => c.stateMachine.stateMachineArn),
    }),
  );
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['states:DescribeExecution', 'states:StopExecution'],
      resources: children.map((c) =>
        stack.formatArn({
          service: 'states',
          resource: 'execution',
          resourceName: `${c.sagaName}:*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ),
    }),
  );
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
      resources: [
        stack.formatArn({
          service: 'events',
          resource: 'rule',
          resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
        }),
      ],
    }),
  );
  const policy = stateMachine.role.node.tryFindChild('DefaultPolicy');
  if (policy) {
    for (const child of children) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${child.sagaName}:*]`,
        reason: `The child saga's execution names are derived at run time from the parent's; DescribeExecution and StopExecution are granted on executions of the child state machine "${child.sagaName}" only.`,
      });
    }
  }
}

export function validateChildStep(sagaName: string, step: SagaChildStep, kind: SagaStepKind): void {
  const where = `Saga "${sagaName}", step "${step.name}"`;
  if (step.childSaga.sagaName === sagaName) {
    throw new SagaValidationError(
      `${where}: the step runs saga "${sagaName}" itself; a saga cannot be its own child. Pass another Saga as \`childSaga\`.`,
    );
  }
  if (kind === 'compensatable' && step.compensationSaga === undefined) {
    throw new SagaValidationError(
      `${where}: a compensatable child step needs a \`compensationSaga\` that undoes the child "${step.childSaga.sagaName}" when a later step fails. Add \`compensationSaga\`, or declare the step 'pivot' or 'retriable'.`,
    );
  }
  if (kind !== 'compensatable' && step.compensationSaga !== undefined) {
    throw new SagaValidationError(
      `${where}: a ${kind} step is never compensated, so its compensationSaga "${step.compensationSaga.sagaName}" would never run. Remove \`compensationSaga\`, or make the step compensatable before the pivot.`,
    );
  }
}
