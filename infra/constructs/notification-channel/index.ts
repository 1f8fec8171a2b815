export * from './notification-channel.js';
export * from './notification-channel-props.js';
export * from './notification-target.js';
