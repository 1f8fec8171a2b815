import { missingOperation } from '../participant/participant-operations.js';
import type { ParticipantRef } from '../participant/participant-ref.js';
import type { SagaStep } from './saga-props.js';
import { SagaValidationError } from './saga-validation.js';

function declared(ref: ParticipantRef) {
  return 'functionArn' in ref ? undefined : ref;
}

/**
 * Each step's action and compensation must be ones its participant offers, when the participant
 * declares them: a typo would otherwise surface as a refused request in the middle of a saga.
 */
export function checkStepOperations(sagaName: string, steps: readonly SagaStep[]): void {
  for (const step of steps) {
    const participant = declared(step.participant);
    if (!participant?.operations) continue;
    const who = participant.participantName ? `"${participant.participantName}"` : 'of the step';
    const actionProblem = missingOperation(participant.operations, 'actions', step.action);
    if (actionProblem) {
      throw new SagaValidationError(
        `Saga "${sagaName}", step "${step.name}": action "${step.action}" is not offered by participant ${who}: ${actionProblem}. Fix the step's \`action\`, or add the action to the handler and to the Participant's \`actions\`.`,
      );
    }
    if (step.compensation === undefined) continue;
    const compensationProblem = missingOperation(participant.operations, 'compensations', step.compensation);
    if (compensationProblem) {
      throw new SagaValidationError(
        `Saga "${sagaName}", step "${step.name}": compensation "${step.compensation}" is not offered by participant ${who}: ${compensationProblem}. Fix the step's \`compensation\`, or add it to the handler and to the Participant's \`compensations\`.`,
      );
    }
  }
}

/** The TCC counterpart: each participant's try, confirm and cancel handler names are checked. */
export function checkTccOperations(
  transactionName: string,
  participants: readonly {
    readonly name: string;
    readonly participant: ParticipantRef;
    readonly actions: { readonly try: string; readonly confirm: string; readonly cancel: string };
  }[],
): void {
  for (const entry of participants) {
    const participant = declared(entry.participant);
    if (!participant?.operations) continue;
    const who = participant.participantName ? `"${participant.participantName}"` : 'of the entry';
    for (const phase of ['try', 'confirm', 'cancel'] as const) {
      const problem = missingOperation(participant.operations, phase, entry.actions[phase]);
      if (problem) {
        throw new SagaValidationError(
          `TccTransaction "${transactionName}", participant "${entry.name}": ${phase} handler "${entry.actions[phase]}" is not offered by participant ${who}: ${problem}. Fix the entry's \`${phase}\`, or add it to the handler's tcc.${phase} and to the Participant's \`tcc\`.`,
        );
      }
    }
  }
}
