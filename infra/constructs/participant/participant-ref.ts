import type * as lambda from 'aws-cdk-lib/aws-lambda';

/** Anything that exposes the Lambda function a saga step invokes (the `Participant` construct does). */
export interface IParticipant {
  readonly function: lambda.IFunction;
}

/** A saga step's participant: a bare function or an {@link IParticipant}. */
export type ParticipantRef = lambda.IFunction | IParticipant;

export function participantFunction(ref: ParticipantRef): lambda.IFunction {
  return 'functionArn' in ref ? ref : ref.function;
}
