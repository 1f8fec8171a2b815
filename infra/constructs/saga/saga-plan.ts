import { type Duration, Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { participantFunction, participantInvocation } from '../participant/participant-ref.js';
import type { ResolvedCallback } from './saga-callback-step.js';
import { DEFAULT_CHILD_TIMEOUT_SECONDS, isChildStep, type ResolvedChild } from './saga-child-step.js';
import type { FlatSagaStep } from './saga-parallel-group.js';
import type { SagaStep, SagaStepKind, StepRetry } from './saga-props.js';

/** A retrier in Step Functions units. Values may be unresolved tokens; checks skip those. */
export interface ResolvedRetry {
  readonly attempts: number;
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds: number;
  readonly jitter: 'FULL' | 'NONE';
}

/** A step with its kind, retry and timeout decided; what the ASL generator and the limit checks read. */
export interface ResolvedStep {
  readonly name: string;
  readonly index: number;
  readonly kind: SagaStepKind;
  /** Whether `kind` came from the defaults rather than the step's declaration. */
  readonly kindInferred: boolean;
  /**
   * What the step's Task invokes: the participant's version ARN, or the function as given; for a
   * child step, the child saga's state machine ARN.
   */
  readonly functionArn: string;
  /** The function whose versions the state machine may invoke, when invoked by version. */
  readonly versionedFunction?: lambda.IFunction;
  /** The participant's function; none for a child step. */
  readonly function?: lambda.IFunction;
  readonly action: string;
  readonly compensation?: string;
  readonly retry: ResolvedRetry;
  readonly timeoutSeconds: number;
  /** The parallel group the step runs in, if any (its `Parallel` state's name). */
  readonly group?: string;
  /** Whether the step waits for an answer on a task token; its timeout is then `timeoutSeconds`. */
  readonly callback?: ResolvedCallback;
  /** The child saga the step runs, for a child step. */
  readonly child?: ResolvedChild;
}

export const DEFAULT_FORWARD_RETRY: ResolvedRetry = {
  attempts: 3,
  intervalSeconds: 1,
  backoffRate: 2,
  maxDelaySeconds: 20,
  jitter: 'FULL',
};

/** Retriable steps and compensations must eventually succeed, so their default budget is larger. */
export const DEFAULT_PERSISTENT_RETRY: ResolvedRetry = {
  attempts: 6,
  intervalSeconds: 2,
  backoffRate: 2,
  maxDelaySeconds: 60,
  jitter: 'FULL',
};

/** Sending to the parked queue: SQS rarely fails, and a lost park must still surface as a failure. */
export const PARK_RETRY: ResolvedRetry = {
  attempts: 3,
  intervalSeconds: 1,
  backoffRate: 2,
  maxDelaySeconds: 10,
  jitter: 'FULL',
};
export const PARK_TIMEOUT_SECONDS = 10;

/**
 * Publishing the outcome: a few quick retries, then the saga ends as it would have anyway. The
 * outcome is a notification about a saga that has already finished; losing it must not change it.
 */
export const OUTCOME_RETRY: ResolvedRetry = {
  attempts: 3,
  intervalSeconds: 1,
  backoffRate: 2,
  maxDelaySeconds: 10,
  jitter: 'FULL',
};
export const OUTCOME_TIMEOUT_SECONDS = 10;

/** Lambda's own ceiling; a Task without a known function timeout may wait this long per attempt. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** Slack over the function timeout so that Lambda reports its own timeout before the Task gives up. */
export const TASK_TIMEOUT_SLACK_SECONDS = 5;

/** Seconds of a Duration, or NaN when it is not a whole number of seconds (validation reports it). */
export function durationSeconds(d: Duration): number {
  const ms = d.toMilliseconds();
  if (Token.isUnresolved(ms)) return ms;
  return ms % 1000 === 0 ? ms / 1000 : Number.NaN;
}

export function resolveRetry(retry: StepRetry | undefined, defaults: ResolvedRetry): ResolvedRetry {
  return {
    attempts: retry?.attempts ?? defaults.attempts,
    intervalSeconds: retry?.interval ? durationSeconds(retry.interval) : defaults.intervalSeconds,
    backoffRate: retry?.backoffRate ?? defaults.backoffRate,
    maxDelaySeconds: retry?.maxDelay ? durationSeconds(retry.maxDelay) : defaults.maxDelaySeconds,
    jitter: retry?.jitter ?? defaults.jitter,
  };
}

/**
 * Decides each step's kind: a declared kind wins; otherwise a step with a compensation is
 * compensatable; a step without one is retriable after a declared pivot, the pivot when it is the
 * last step and no pivot is declared, and otherwise compensatable (which validation then refuses,
 * pointing at the missing compensation).
 */
export function resolveKinds(
  steps: readonly Pick<SagaStep, 'kind' | 'compensation'>[],
): { kind: SagaStepKind; inferred: boolean }[] {
  const declaredPivot = steps.findIndex((s) => s.kind === 'pivot');
  return steps.map((step, i) => {
    if (step.kind) return { kind: step.kind, inferred: false };
    if (step.compensation !== undefined) return { kind: 'compensatable', inferred: true };
    if (declaredPivot >= 0 && i > declaredPivot) return { kind: 'retriable', inferred: true };
    if (declaredPivot < 0 && i === steps.length - 1) return { kind: 'pivot', inferred: true };
    return { kind: 'compensatable', inferred: true };
  });
}

function defaultTimeoutSeconds(fn: lambda.IFunction): number {
  if (fn instanceof lambda.Function && fn.timeout) {
    const seconds = fn.timeout.toSeconds();
    if (!Token.isUnresolved(seconds)) return seconds + TASK_TIMEOUT_SLACK_SECONDS;
  }
  return LAMBDA_MAX_TIMEOUT_SECONDS;
}

export function resolveSteps(steps: readonly FlatSagaStep[]): ResolvedStep[] {
  const kinds = resolveKinds(
    steps.map((s) =>
      isChildStep(s)
        ? {
            ...(s.kind ? { kind: s.kind } : {}),
            ...(s.compensationSaga ? { compensation: 'startExecution' } : {}),
          }
        : s,
    ),
  );
  return steps.map((step, index) => {
    const { kind, inferred } = kinds[index]!;
    if (isChildStep(step)) {
      const compensation = step.compensationSaga;
      return {
        name: step.name,
        index,
        kind,
        kindInferred: inferred,
        functionArn: step.childSaga.stateMachine.stateMachineArn,
        action: 'startExecution',
        ...(compensation ? { compensation: 'startExecution' } : {}),
        retry: resolveRetry(
          step.retry,
          kind === 'retriable' ? DEFAULT_PERSISTENT_RETRY : DEFAULT_FORWARD_RETRY,
        ),
        timeoutSeconds: step.timeout ? durationSeconds(step.timeout) : DEFAULT_CHILD_TIMEOUT_SECONDS,
        ...(step.group !== undefined ? { group: step.group } : {}),
        child: {
          sagaName: step.childSaga.sagaName,
          stateMachineArn: step.childSaga.stateMachine.stateMachineArn,
          ...(compensation
            ? {
                compensation: {
                  sagaName: compensation.sagaName,
                  stateMachineArn: compensation.stateMachine.stateMachineArn,
                },
              }
            : {}),
        },
      };
    }
    const fn = participantFunction(step.participant);
    const invocation = participantInvocation(step.participant);
    const retry = resolveRetry(
      step.retry,
      kind === 'retriable' ? DEFAULT_PERSISTENT_RETRY : DEFAULT_FORWARD_RETRY,
    );
    return {
      name: step.name,
      index,
      kind,
      kindInferred: inferred,
      function: fn,
      functionArn: invocation.invokeArn,
      ...(invocation.versionedFunction ? { versionedFunction: invocation.versionedFunction } : {}),
      action: step.action,
      ...(step.compensation !== undefined ? { compensation: step.compensation } : {}),
      retry,
      // A callback step's attempt lasts as long as the wait for its answer.
      timeoutSeconds: step.callback
        ? durationSeconds(step.callback.timeout)
        : step.timeout
          ? durationSeconds(step.timeout)
          : defaultTimeoutSeconds(fn),
      ...(step.group !== undefined ? { group: step.group } : {}),
      ...(step.callback
        ? {
            callback: {
              timeoutSeconds: durationSeconds(step.callback.timeout),
              ...(step.callback.heartbeat
                ? { heartbeatSeconds: durationSeconds(step.callback.heartbeat) }
                : {}),
            },
          }
        : {}),
    };
  });
}
