export { LocalCloudStartError, LocalServiceError } from './errors.js';
export { startLocalCloud } from './local-cloud.js';
export type {
  FailNextOptions,
  FaultInjector,
  LocalCloud,
  LocalCloudOptions,
  LocalLogLine,
  LocalResource,
  LocalResourceIndex,
  LocalResourceKind,
  LocalService,
} from './types.js';
