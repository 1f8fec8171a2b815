export * from './check-back.js';
export * from './transactional-message.js';
export * from './transactional-message-props.js';
