export { LocalCloudStartError, LocalServiceError } from './errors.js';
export { startLocalCloud } from './local-cloud.js';
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
} from './types.js';
