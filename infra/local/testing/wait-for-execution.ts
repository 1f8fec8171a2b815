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

interface InProcessExecutions {
  whenFinished(executionArn: string): Promise<void>;
  executionOutcome(executionArn: string): Record<string, unknown>;
}

/**
 * Waits until the execution leaves RUNNING and returns its final description. Standard executions
 * are polled with DescribeExecution; Express executions, which Step Functions does not describe,
 * are awaited in process.
 */
export async function waitForExecution(
  cloud: LocalCloud,
  executionArn: string,
  timeoutMs = 30_000,
): Promise<ExecutionDescription> {
  const deadline = Date.now() + timeoutMs;
  const service = cloud.stepFunctions as Partial<InProcessExecutions>;
  if (executionArn.split(':')[5] === 'express' && service.whenFinished && service.executionOutcome) {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([service.whenFinished(executionArn), timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return { executionArn, ...service.executionOutcome(executionArn) } as ExecutionDescription;
  }
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
