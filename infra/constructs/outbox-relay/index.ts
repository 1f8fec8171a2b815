export * from './outbox-relay.js';
export * from './outbox-relay-props.js';
