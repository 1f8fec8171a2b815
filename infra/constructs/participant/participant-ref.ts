import type * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * What a participant's handler offers, by name, as declared in `defineParticipant`. Sagas and TCC
 * transactions check their steps against it at synth.
 */
export interface ParticipantOperations {
  /** Saga actions (`actions` of `defineParticipant`). */
  readonly actions?: readonly string[];
  /** Saga compensations (`compensations` of `defineParticipant`). */
  readonly compensations?: readonly string[];
  /** TCC try handlers (`tcc.try`). */
  readonly try?: readonly string[];
  /** TCC confirm handlers (`tcc.confirm`). */
  readonly confirm?: readonly string[];
  /** TCC cancel handlers (`tcc.cancel`). */
  readonly cancel?: readonly string[];
}

/** Anything that exposes the Lambda function a saga step invokes (the `Participant` construct does). */
export interface IParticipant {
  readonly function: lambda.IFunction;
  /**
   * The version sagas invoke, so that an execution keeps the code it started with across deploys.
   * Without one, sagas invoke `function` as it is at each call.
   */
  readonly version?: lambda.IVersion;
  /** The participant's name in messages. */
  readonly participantName?: string;
  /** What the handler offers; undefined when not declared (then steps are not checked). */
  readonly operations?: ParticipantOperations;
  /**
   * Days its barrier items live; sagas that use the participant check it against how long they can
   * still deliver a phase. Unknown for a bare function, which is not checked.
   */
  readonly barrierRetentionDays?: number;
}

/** A saga step's participant: a bare function or an {@link IParticipant}. */
export type ParticipantRef = lambda.IFunction | IParticipant;

export function participantFunction(ref: ParticipantRef): lambda.IFunction {
  return 'functionArn' in ref ? ref : ref.function;
}

/**
 * What a saga step's Task invokes and what its state machine's role must allow.
 *
 * A participant with a version is invoked by its version ARN. The role may invoke every version
 * of that one function (`<function ARN>:*`), not only this deploy's: an execution started before
 * a deploy still invokes the old version it read from its definition, and IAM evaluates the role's
 * policy as it is at each call, after the deploy has replaced the statement. `$LATEST` (the
 * unqualified ARN) stays out of reach. A bare function (or a version or alias passed as one) is
 * invoked and granted exactly as given.
 */
export interface ParticipantInvocation {
  /** The ARN the Task's Resource names. */
  readonly invokeArn: string;
  /** The function whose versions the role may invoke, when invoked by version. */
  readonly versionedFunction?: lambda.IFunction;
}

export function participantInvocation(ref: ParticipantRef): ParticipantInvocation {
  if ('functionArn' in ref) return { invokeArn: ref.functionArn };
  if (ref.version) return { invokeArn: ref.version.functionArn, versionedFunction: ref.function };
  return { invokeArn: ref.function.functionArn };
}
