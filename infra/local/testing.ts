import type { App } from 'aws-cdk-lib';
import { afterAll, beforeAll } from 'vitest';
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

interface InProcessExecutions {
  whenFinished(executionArn: string): Promise<void>;
  executionOutcome(executionArn: string): Record<string, unknown>;
}

/** Polls DescribeExecution until the execution leaves RUNNING; returns the final description. */
export async function waitForExecution(
  cloud: LocalCloud,
  executionArn: string,
  timeoutMs = 30_000,
): Promise<{ status: string; output?: string; error?: string; cause?: string; [key: string]: unknown }> {
  const deadline = Date.now() + timeoutMs;
  // Step Functions does not describe Express executions; the local service can, in process.
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
    return service.executionOutcome(executionArn) as Awaited<ReturnType<typeof waitForExecution>>;
  }
  for (;;) {
    const described = (await cloud.stepFunctions.call('DescribeExecution', { executionArn })) as {
      status: string;
    };
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline)
      throw new Error(`execution ${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
