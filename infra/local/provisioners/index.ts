export type {
  ProvisionContext,
  ProvisionEngines,
  ProvisionEntry,
  Provisioner,
  Running,
  TemplateResolver,
} from './context.js';
export { describeNotEmulated, isIgnoredType, placeholder } from './not-emulated.js';
export { PROVISIONERS, provisionerFor, runProvisioners } from './registry.js';
