import type { App } from 'aws-cdk-lib';
import { afterAll, beforeAll } from 'vitest';
import { startLocalCloud } from '../local-cloud.js';
import type { LocalCloud, LocalCloudOptions } from '../types.js';

/** Options of {@link useLocalCloud}: those of `startLocalCloud` without `app`, plus the start-up timeout. */
export interface UseLocalCloudOptions extends Omit<LocalCloudOptions, 'app'> {
  /**
   * How long the suite's `beforeAll` may take to start the cloud: a first start synthesizes the app
   * and bundles every function, which takes tens of seconds on a small machine.
   * @default 180 seconds
   */
  readonly startTimeoutMs?: number;
}

/** What {@link useLocalCloud} returns: the cloud of the suite, once started. */
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
  options: UseLocalCloudOptions = {},
): UseLocalCloud {
  const { startTimeoutMs = 180_000, ...cloudOptions } = options;
  let cloud: LocalCloud | undefined;
  beforeAll(async () => {
    cloud = await startLocalCloud({ ...cloudOptions, app });
  }, startTimeoutMs);
  afterAll(async () => {
    await cloud?.stop();
  }, 60_000);
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
