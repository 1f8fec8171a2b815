export { SagaDashboard } from './saga-dashboard.js';
export type { SagaDashboardProps } from './saga-dashboard-props.js';
