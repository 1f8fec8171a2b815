export * from './errors.js';
export * from './handler.js';
export * from './inbox-item.js';
export * from './inbox-transaction.js';
