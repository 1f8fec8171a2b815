export * from './saga.js';
export * from './saga-definition.js';
export * from './saga-limits.js';
export * from './saga-plan.js';
export * from './saga-props.js';
export * from './saga-state-names.js';
export * from './saga-validation.js';
