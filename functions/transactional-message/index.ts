export * from './check-back.js';
export * from './check-schedule.js';
export * from './client.js';
export * from './config.js';
export * from './envelope.js';
export * from './errors.js';
export * from './holding-store.js';
export * from './message-item.js';
export * from './message-state.js';
export {
  createTransactionalRelayHandler,
  type RelayHandlerOptions,
  type TransactionalRelayHandler,
} from './relay-handler.js';
export * from './send-messages.js';
export * from './sweep.js';
export { createSweeperHandler, type SweeperHandler, type SweeperHandlerOptions } from './sweeper-handler.js';
