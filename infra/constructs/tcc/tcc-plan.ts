import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { participantFunction, participantInvocation } from '../participant/participant-ref.js';
import {
  DEFAULT_FORWARD_RETRY,
  DEFAULT_PERSISTENT_RETRY,
  durationSeconds,
  LAMBDA_MAX_TIMEOUT_SECONDS,
  type ResolvedRetry,
  resolveRetry,
  TASK_TIMEOUT_SLACK_SECONDS,
} from '../saga/saga-plan.js';
import type { TccParticipant, TccTransactionProps } from './tcc-props.js';

/** A participant with its handler names, retry and timeout decided; what the ASL generator reads. */
export interface ResolvedTccParticipant {
  readonly name: string;
  readonly index: number;
  readonly function: lambda.IFunction;
  /** What the Tasks invoke: the participant's version ARN, or the function as given. */
  readonly functionArn: string;
  /** The function whose versions the state machine may invoke, when invoked by version. */
  readonly versionedFunction?: lambda.IFunction;
  readonly actions: { readonly try: string; readonly confirm: string; readonly cancel: string };
  readonly tryRetry: ResolvedRetry;
  readonly timeoutSeconds: number;
}

export interface TccPlan {
  readonly participants: readonly ResolvedTccParticipant[];
  readonly confirmRetry: ResolvedRetry;
  readonly cancelRetry: ResolvedRetry;
}

function defaultTimeoutSeconds(fn: lambda.IFunction): number {
  if (fn instanceof lambda.Function && fn.timeout) {
    const seconds = fn.timeout.toSeconds();
    if (!Token.isUnresolved(seconds)) return seconds + TASK_TIMEOUT_SLACK_SECONDS;
  }
  return LAMBDA_MAX_TIMEOUT_SECONDS;
}

function resolveParticipant(
  participant: TccParticipant,
  index: number,
  transactionTryRetry: ResolvedRetry,
): ResolvedTccParticipant {
  const fn = participantFunction(participant.participant);
  const invocation = participantInvocation(participant.participant);
  return {
    name: participant.name,
    index,
    function: fn,
    functionArn: invocation.invokeArn,
    ...(invocation.versionedFunction ? { versionedFunction: invocation.versionedFunction } : {}),
    actions: {
      try: participant.try ?? 'try',
      confirm: participant.confirm ?? 'confirm',
      cancel: participant.cancel ?? 'cancel',
    },
    tryRetry: resolveRetry(participant.tryRetry, transactionTryRetry),
    timeoutSeconds: participant.timeout ? durationSeconds(participant.timeout) : defaultTimeoutSeconds(fn),
  };
}

export function resolveTccPlan(props: TccTransactionProps): TccPlan {
  const tryRetry = resolveRetry(props.tryRetry, DEFAULT_FORWARD_RETRY);
  return {
    participants: props.participants.map((p, index) => resolveParticipant(p, index, tryRetry)),
    confirmRetry: resolveRetry(props.confirmRetry, DEFAULT_PERSISTENT_RETRY),
    cancelRetry: resolveRetry(props.cancelRetry, DEFAULT_PERSISTENT_RETRY),
  };
}
