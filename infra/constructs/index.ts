export * from './choreography/index.js';
export * from './dashboard/index.js';
export * from './notification-channel/index.js';
export * from './outbox-relay/index.js';
export * from './participant/index.js';
export * from './saga/index.js';
export * from './tcc/index.js';
export * from './transactional-message/index.js';
