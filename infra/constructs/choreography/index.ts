export * from './choreography.js';
export * from './choreography-props.js';
