export * from './billed-transitions.js';
export * from './child-saga-cost.js';
export * from './cost-report-text.js';
export * from './prices-us-east-1.2026-12.js';
export * from './saga-cost-model.js';
export * from './saga-cost-plan.js';
export * from './step-form-costs.js';
