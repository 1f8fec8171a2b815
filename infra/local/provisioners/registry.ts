import type { ProvisionContext, ProvisionEntry, Provisioner } from './context.js';
import { eventBusProvisioner } from './event-bus.js';
import { eventRuleProvisioner } from './event-rule.js';
import { eventSourceMappingProvisioner } from './event-source-mapping.js';
import { functionProvisioner } from './function.js';
import { functionAliasProvisioner, functionVersionProvisioner } from './function-version.js';
import { queueProvisioner } from './queue.js';
import { stateMachineProvisioner } from './state-machine.js';
import { tableProvisioner } from './table.js';
import { subscriptionProvisioner, topicProvisioner } from './topic.js';

/**
 * Every emulated CloudFormation type's provisioner, in the order they run: what a resource refers
 * to comes before it (a mapping needs its queue or stream, a rule its target).
 */
export const PROVISIONERS: readonly Provisioner[] = [
  tableProvisioner,
  queueProvisioner,
  functionProvisioner,
  functionVersionProvisioner,
  functionAliasProvisioner,
  stateMachineProvisioner,
  topicProvisioner,
  subscriptionProvisioner,
  eventSourceMappingProvisioner,
  eventBusProvisioner,
  eventRuleProvisioner,
];

export function provisionerFor(type: string): Provisioner | undefined {
  return PROVISIONERS.find((p) => p.types.includes(type));
}

/** Runs each provisioner over its entries, declaring every name and ARN before the first that needs them. */
export async function runProvisioners(
  entries: readonly ProvisionEntry[],
  ctx: ProvisionContext,
  provisioners: readonly Provisioner[] = PROVISIONERS,
): Promise<void> {
  const entriesOf = (p: Provisioner) => entries.filter((e) => p.types.includes(e.resource.Type));
  let declared = false;
  for (const provisioner of provisioners) {
    if (provisioner.declare && !declared) {
      declared = true;
      for (const p of provisioners) p.declare?.(entriesOf(p), ctx);
    }
    await provisioner.provision(entriesOf(provisioner), ctx);
  }
}
