export {
  InvalidDecisionError,
  OperatorError,
  ParkedSagaNotFoundError,
  ParkedSagaNotWaitingError,
} from './errors.js';
export {
  type DecideOptions,
  decideParkedSaga,
  findParkedQueues,
  getParkedSaga,
  type ListParkedSagasOptions,
  listParkedSagas,
  type OperatorClients,
  type ParkedQueueRef,
  type ParkedSaga,
} from './parked-sagas.js';
export { type RedriveOutcome, redriveExecution } from './redrive.js';
