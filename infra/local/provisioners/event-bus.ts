import type { Provisioner } from './context.js';

/** `AWS::Events::EventBus` → a custom bus that PutEvents accepts and event-pattern rules listen on. */
export const eventBusProvisioner: Provisioner = {
  types: ['AWS::Events::EventBus'],
  // Functions name buses in their environment.
  declare(entries, ctx) {
    for (const entry of entries) {
      try {
        const name = ctx
          .resolver(entry)
          .resolveString(entry.resource.Properties?.Name, `${entry.logicalId}.Name`);
        const arn = `arn:aws:events:${ctx.region}:${ctx.accountId}:event-bus/${name}`;
        ctx.register(entry, { kind: 'eventBus', name, arn }, name, { Arn: arn, Name: name });
      } catch (error) {
        ctx.problem(`event bus ${ctx.where(entry)}: ${(error as Error).message}`);
      }
    }
  },
  provision(entries, ctx) {
    for (const entry of entries) {
      const resource = ctx.index.get(entry.stack.stackName, entry.logicalId);
      if (!resource) continue;
      if (entry.resource.Properties?.EventSourceName !== undefined)
        ctx.log('warn', `event bus ${ctx.where(entry)}: partner event sources send nothing locally`);
      ctx.engines.addEventBus(resource.name);
    }
  },
};
