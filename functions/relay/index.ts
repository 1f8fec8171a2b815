export * from './config.js';
export * from './envelope.js';
export * from './errors.js';
export * from './handler.js';
export * from './outbox-item.js';
export * from './send-batches.js';
