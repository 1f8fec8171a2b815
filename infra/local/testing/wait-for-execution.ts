import type { LocalCloud } from '../types.js';

/** What `DescribeExecution` returns once an execution has ended. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE' | string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly [key: string]: unknown;
}

/** Polls DescribeExecution until the execution leaves RUNNING; returns the final description. */
export async function waitForExecution(
  cloud: LocalCloud,
  executionArn: string,
  timeoutMs = 30_000,
): Promise<ExecutionDescription> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const described = (await cloud.stepFunctions.call('DescribeExecution', {
      executionArn,
    })) as ExecutionDescription;
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline)
      throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
