/**
 * The vitest kit: run a CDK app on the local cloud inside a vitest suite, start sagas, and look at
 * what they did (history, tables, queues). See docs/testing.md.
 *
 * @module stepsaga/testing
 */

export type { LocalCloud, LocalCloudOptions, LocalResource, LocalResourceKind } from '../types.js';
export { enteredStates, executionHistory, executionTimeline } from './execution-history.js';
export { findResource } from './find-resource.js';
export { type ReceivedMessage, type ReceiveMessagesOptions, receiveMessages } from './queues.js';
export { type RunSagaOptions, runSaga, type SagaRun } from './run-saga.js';
export { getTableItem, readTable } from './tables.js';
export { type UseLocalCloud, type UseLocalCloudOptions, useLocalCloud } from './use-local-cloud.js';
export {
  type ExecutionDescription,
  type WaitForExecutionOptions,
  waitForExecution,
  waitingParkToken,
} from './wait-for-execution.js';
