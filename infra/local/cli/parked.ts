import type { ParkedDecisionType } from '../../../functions/runtime/parked-decision.js';
import type { ParkedSaga } from '../../operations/parked-sagas.js';
import type { RedriveOutcome } from '../../operations/redrive.js';
import { formatTable } from './table.js';

const state = (p: ParkedSaga) => (p.waiting ? 'waiting' : `not waiting (${p.executionStatus})`);

/** `stepsaga parked list`: one row per parked execution. */
export function parkedTable(parked: readonly ParkedSaga[]): string {
  if (parked.length === 0) return 'No parked sagas.';
  return formatTable(
    ['SAGA ID', 'SAGA', 'FAILED STATE', 'ERROR', 'PARKED AT', 'DECISION'],
    parked.map((p) => [
      p.message.sagaId,
      p.message.sagaName,
      p.message.state ?? '?',
      p.message.error ?? '?',
      p.message.parkedAt,
      state(p),
    ]),
  );
}

/** `stepsaga parked show <saga>`: everything an operator needs to decide. */
export function parkedReport(p: ParkedSaga): string {
  const m = p.message;
  const lines = [
    `Saga         ${m.sagaName} / ${m.sagaId}`,
    `Execution    ${m.executionArn} (${p.executionStatus})`,
    `Failed state ${m.state ?? '?'} (step ${m.step ?? '?'}, ${m.phase ?? '?'})`,
    `Error        ${m.error ?? '?'}`,
    `Cause        ${m.cause ?? '?'}`,
    `Parked at    ${m.parkedAt}${p.messages > 1 ? ` (parked ${p.messages} times)` : ''}`,
    `Decision     ${state(p)}${m.decisionTimeoutSeconds !== undefined ? `; abandoned ${Math.round(m.decisionTimeoutSeconds / 3600)} h after parking without one` : ''}`,
    `Queue        ${p.queueUrl}`,
    '',
    'Every error caught on the way:',
    ...Object.entries(m.errors ?? {}).map(([name, e]) => `  ${name}: ${e.Error} ${e.Cause}`),
  ];
  if (p.waiting) {
    lines.push(
      '',
      `Decide with: stepsaga parked retry|skip|abandon ${m.sagaId}`,
      `  retry    run ${m.state} again (the participant's barrier returns a committed result as is)`,
      `  skip     you finished ${m.state} by hand: carry on after it`,
      '  abandon  end the saga as SagaParked',
    );
  }
  return lines.join('\n');
}

export function describeDecision(p: ParkedSaga, decision: ParkedDecisionType): string {
  return `Sent "${decision}" to saga ${p.message.sagaId} (${p.message.state}); its parked message was removed.`;
}

export function describeRedriveOutcome(outcome: RedriveOutcome): string {
  return `Redriven ${outcome.executionArn} at ${outcome.redriveDate?.toISOString() ?? '?'} (redrive ${outcome.redriveCount ?? '?'}).`;
}
