export * from './reservation.js';
export * from './sweep.js';
export * from './sweeper-config.js';
