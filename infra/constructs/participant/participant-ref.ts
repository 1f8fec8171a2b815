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
