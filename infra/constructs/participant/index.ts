export * from './participant.js';
export * from './participant-props.js';
export * from './participant-ref.js';
export * from './participant-table-check.js';
