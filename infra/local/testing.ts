import type { App } from 'aws-cdk-lib';
import { afterAll, beforeAll } from 'vitest';
import type { ParkedDecisionType } from '../../functions/runtime/parked-decision.js';
import { ParkStatePrefixes } from '../constructs/orchestration/park-state.js';
import { startLocalCloud } from './local-cloud.js';
import type { LocalCloud, LocalCloudOptions } from './types.js';

export interface UseLocalCloud {
  /** The running cloud; throws when read outside the tests of the suite (before `beforeAll`). */
  readonly cloud: LocalCloud;
}

/**
 * Starts the app on the local cloud once for the surrounding vitest suite and stops it afterwards.
 *
 * ```ts
 * const local = useLocalCloud(() => buildExampleApp().app);
 * it('...', async () => { await local.cloud.stepFunctions.call('StartExecution', { ... }); });
 * ```
 */
export function useLocalCloud(
  app: LocalCloudOptions['app'] | (() => App | Promise<App>),
  options: Omit<LocalCloudOptions, 'app'> = {},
): UseLocalCloud {
  let cloud: LocalCloud | undefined;
  beforeAll(async () => {
    cloud = await startLocalCloud({ ...options, app });
  });
  afterAll(async () => {
    await cloud?.stop();
  });
  return {
    get cloud(): LocalCloud {
      if (!cloud)
        throw new Error(
          'The local cloud is not running yet: read `cloud` inside a test or hook, not at suite level',
        );
      return cloud;
    },
  };
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

/** Polls DescribeExecution until the execution leaves RUNNING; returns the final description. */
export async function waitForExecution(
  cloud: LocalCloud,
  executionArn: string,
  timeoutMs = 30_000,
  options: WaitForExecutionOptions = {},
): Promise<{ status: string; output?: string; error?: string; cause?: string; [key: string]: unknown }> {
  const deadline = Date.now() + timeoutMs;
  let historyReadAt = 0;
  for (;;) {
    const described = (await cloud.stepFunctions.call('DescribeExecution', { executionArn })) as {
      status: string;
    };
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
