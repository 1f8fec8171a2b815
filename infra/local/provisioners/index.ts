export type {
  ProvisionContext,
  ProvisionEngines,
  ProvisionEntry,
  Provisioner,
  Running,
  TemplateResolver,
  TopicSubscription,
} from './context.js';
export { describeNotEmulated, isIgnoredType, placeholder } from './not-emulated.js';
export { PROVISIONERS, provisionerFor, runProvisioners } from './registry.js';
