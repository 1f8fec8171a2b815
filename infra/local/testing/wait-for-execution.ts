import type { ParkedDecisionType } from '../../../functions/runtime/parked-decision.js';
import { ParkStatePrefixes } from '../../constructs/orchestration/park-state-names.js';
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

export interface WaitForExecutionOptions {
  /**
   * Answer every park on the way with this decision, as an operator would (SendTaskSuccess on the
   * parked message's token); without it, a parked Standard execution keeps waiting.
   */
  readonly parkedDecision?: ParkedDecisionType;
}

/**
 * The task token a parked execution waits on, read from its history (the `Park <state>` Task's
 * scheduled parameters carry the parked message), or `undefined` when it does not wait.
 */
export function waitingParkToken(
  events: readonly { type: string; [key: string]: unknown }[],
): string | undefined {
  let entered: string | undefined;
  let scheduled: string | undefined;
  let waiting: string | undefined;
  for (const event of events) {
    if (event.type === 'TaskStateEntered') {
      entered = (event.stateEnteredEventDetails as { name?: string } | undefined)?.name;
    } else if (event.type === 'TaskScheduled') {
      const parameters = (event.taskScheduledEventDetails as { parameters?: string } | undefined)?.parameters;
      const token = (JSON.parse(parameters ?? '{}') as { MessageBody?: { taskToken?: unknown } }).MessageBody
        ?.taskToken;
      scheduled =
        entered?.startsWith(ParkStatePrefixes.park) && typeof token === 'string' ? token : undefined;
    } else if (event.type === 'TaskSubmitted') {
      waiting = scheduled;
    } else if (
      event.type === 'TaskSucceeded' ||
      event.type === 'TaskFailed' ||
      event.type === 'TaskTimedOut'
    ) {
      scheduled = undefined;
      waiting = undefined;
    }
  }
  return waiting;
}

const PARK_CHECK_INTERVAL_MS = 250;

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
  options: WaitForExecutionOptions = {},
): Promise<ExecutionDescription> {
  const deadline = Date.now() + timeoutMs;
  let historyReadAt = 0;
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
    // Reading the history is dearer than describing; a park waits, so a few reads a second do.
    if (options.parkedDecision !== undefined && Date.now() - historyReadAt >= PARK_CHECK_INTERVAL_MS) {
      historyReadAt = Date.now();
      const { events } = (await cloud.stepFunctions.call('GetExecutionHistory', { executionArn })) as {
        events: { type: string }[];
      };
      const token = waitingParkToken(events);
      if (token !== undefined) {
        await cloud.stepFunctions.call('SendTaskSuccess', {
          taskToken: token,
          output: JSON.stringify({ decision: options.parkedDecision }),
        });
      }
    }
    if (Date.now() > deadline)
      throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
