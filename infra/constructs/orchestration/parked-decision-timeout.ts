import { Duration, Token } from 'aws-cdk-lib';
import type { SagaType } from '../saga/saga-props.js';
import { SagaValidationError } from '../saga/saga-validation.js';

/** Default time a parked Standard execution waits for an operator's decision. */
export const DEFAULT_PARKED_DECISION_TIMEOUT = Duration.days(7);

/** Step Functions' largest Task `TimeoutSeconds`. */
const MAX_TASK_TIMEOUT_SECONDS = 99_999_999;

/**
 * The park Task's TimeoutSeconds: the prop, the default on Standard, or `undefined` on Express
 * (which parks without waiting).
 */
export function resolveDecisionTimeout(
  where: string,
  type: SagaType,
  timeout: Duration | undefined,
): number | undefined {
  if (type === 'EXPRESS') {
    if (timeout !== undefined) {
      throw new SagaValidationError(
        `${where}: \`parkedDecisionTimeout\` is set, but an Express state machine cannot wait on a task token, so its parked executions end at once. Remove \`parkedDecisionTimeout\` or use \`type: 'STANDARD'\`.`,
      );
    }
    return undefined;
  }
  const duration = timeout ?? DEFAULT_PARKED_DECISION_TIMEOUT;
  const ms = duration.toMilliseconds();
  if (Token.isUnresolved(ms)) return duration.toSeconds();
  const seconds = ms / 1000;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TASK_TIMEOUT_SECONDS) {
    throw new SagaValidationError(
      `${where}: \`parkedDecisionTimeout\` is ${seconds} s; it must be whole seconds from 1 to ${MAX_TASK_TIMEOUT_SECONDS}. Pass e.g. \`Duration.days(7)\`.`,
    );
  }
  return seconds;
}
