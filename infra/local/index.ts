/**
 * The local cloud for programs: `startLocalCloud`, the HTTP gateway in front of it, and the synth
 * cache. The `stepsaga` command line is the package's bin.
 *
 * @module stepsaga/local
 */

export { LocalCloudPersistError, LocalCloudStartError, LocalServiceError } from './errors.js';
export { type Gateway, type GatewayOptions, startGateway } from './gateway/index.js';
export { startLocalCloud } from './local-cloud.js';
export { MINIMUM_NODE_VERSION } from './node-version.js';
export type { ReloadChange, ReloadReport } from './reload/reload-report.js';
export { SynthCache, type SynthCacheOptions, synthCacheKey } from './synth-cache.js';
export type {
  FailNextOptions,
  FaultInjector,
  LocalCloud,
  LocalCloudOptions,
  LocalEventRule,
  LocalLogLine,
  LocalResource,
  LocalResourceIndex,
  LocalResourceKind,
  LocalService,
  ReloadOptions,
} from './types.js';
