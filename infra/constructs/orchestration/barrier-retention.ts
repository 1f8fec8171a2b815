import { Token } from 'aws-cdk-lib';
import { type ParticipantRef, participantFunction } from '../participant/participant-ref.js';
import { SagaValidationError } from '../saga/saga-validation.js';

/**
 * Step Functions lets an operator redrive a failed execution for 14 days after it ended, and the
 * parked-sagas queue keeps a parked saga's message as long: a redriven saga retries or compensates
 * its steps that late, and the participant's barrier must still answer for them.
 */
export const REDRIVE_WINDOW_SECONDS = 14 * 86_400;

const DAY_SECONDS = 86_400;

export interface RetentionUse {
  /** The step (or TCC participant) that uses the participant, for the message. */
  readonly usedBy: string;
  readonly participant: ParticipantRef;
}

export interface RetentionCheck {
  /** e.g. `Saga "PlaceOrder"`. */
  readonly where: string;
  /** What the worst case counts, for the message. */
  readonly worstCaseDescription: string;
  /** The longest an execution can run, in seconds (every attempt and wait used). */
  readonly worstCaseSeconds: number;
  /** The execution timeout, which cuts the worst case short when it is lower. */
  readonly timeoutSeconds?: number;
  readonly uses: readonly RetentionUse[];
}

function retentionOf(ref: ParticipantRef): { name: string; days: number } | undefined {
  if (!('barrierRetentionDays' in ref) || typeof ref.barrierRetentionDays !== 'number') return undefined;
  const name =
    'participantName' in ref && typeof ref.participantName === 'string'
      ? ref.participantName
      : participantFunction(ref).node.path;
  return { name, days: ref.barrierRetentionDays };
}

/**
 * Refuses a participant whose barriers can expire while the saga may still deliver one of its
 * phases: the worst-case run plus the redrive window. An expired barrier turns a compensation into
 * an empty one (nothing undone) and lets a replayed action apply a second time.
 */
export function validateBarrierRetention(check: RetentionCheck): void {
  const { worstCaseSeconds, timeoutSeconds } = check;
  if (Token.isUnresolved(worstCaseSeconds)) return;
  const runSeconds =
    timeoutSeconds !== undefined && !Token.isUnresolved(timeoutSeconds)
      ? Math.min(worstCaseSeconds, timeoutSeconds)
      : worstCaseSeconds;
  const neededDays = Math.ceil((runSeconds + REDRIVE_WINDOW_SECONDS) / DAY_SECONDS);
  const runDays = (runSeconds / DAY_SECONDS).toFixed(runSeconds < DAY_SECONDS ? 2 : 1);
  for (const use of check.uses) {
    const retention = retentionOf(use.participant);
    if (!retention || Token.isUnresolved(retention.days) || retention.days >= neededDays) continue;
    throw new SagaValidationError(
      `${check.where}: participant "${retention.name}" (${use.usedBy}) keeps its barriers ${retention.days} days, ` +
        `but the saga can still deliver its phases ${neededDays} days after starting: a worst case of ${runDays} days ` +
        `(${check.worstCaseDescription}${timeoutSeconds !== undefined && runSeconds === timeoutSeconds ? ', cut short by `timeout`' : ''}) ` +
        `plus Step Functions' 14-day redrive window, which the parked-sagas queue's 14-day retention matches. ` +
        `An expired barrier makes a late compensation undo nothing and lets a replayed action apply again. ` +
        `Set \`barrierRetentionDays\` of "${retention.name}" to at least ${neededDays}, or lower the retry budgets, step timeouts or \`timeout\`.`,
    );
  }
}
