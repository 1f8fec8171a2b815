import { randomUUID } from 'node:crypto';
import type { LocalCloud } from '../types.js';
import { type ExecutionDescription, waitForExecution } from './wait-for-execution.js';

/** Options of {@link runSaga}. */
export interface RunSagaOptions {
  /** The execution name (the saga id). @default a random UUID */
  readonly name?: string;
  /** How long to wait for the execution to end. @default 30 seconds */
  readonly timeoutMs?: number;
}

export interface SagaRun extends ExecutionDescription {
  /** The execution's output parsed from JSON, when it succeeded. */
  readonly result?: unknown;
}

/**
 * Starts a saga (by state machine name, which is the saga name, construct path such as
 * `PlaceOrder/Resource`, logical id or ARN) with `input` and waits for it to end.
 */
export async function runSaga(
  cloud: LocalCloud,
  saga: string,
  input: unknown,
  options: RunSagaOptions = {},
): Promise<SagaRun> {
  const stateMachine = cloud.resources.find(saga, 'stateMachine');
  const { executionArn } = (await cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: stateMachine.arn,
    name: options.name ?? randomUUID(),
    input: JSON.stringify(input),
  })) as { executionArn: string };
  const described = await waitForExecution(cloud, executionArn, options.timeoutMs);
  return described.status === 'SUCCEEDED' && typeof described.output === 'string'
    ? { ...described, result: JSON.parse(described.output) }
    : described;
}
