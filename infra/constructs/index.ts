export * from './notification-channel/index.js';
export * from './outbox-relay/index.js';
export * from './participant/index.js';
export * from './saga/index.js';
