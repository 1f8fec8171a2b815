import { physicalName, referencedLogicalIds } from '../naming.js';
import type { ProvisionEntry, Provisioner } from './context.js';

const key = (entry: ProvisionEntry, logicalId = entry.logicalId) => `${entry.stack.stackName}/${logicalId}`;

/**
 * `AWS::SQS::Queue` → queues on the SQS emulator. A queue's redrive policy names its dead-letter
 * queue's ARN, so dead-letter queues are created first; a cycle is created in template order.
 */
export const queueProvisioner: Provisioner = {
  types: ['AWS::SQS::Queue'],
  provision(queues, ctx) {
    const queueIds = new Set(queues.map((q) => key(q)));
    const created = new Set<string>();
    let remaining = [...queues];
    while (remaining.length > 0) {
      const ready = remaining.filter((q) =>
        [...referencedLogicalIds(q.resource.Properties?.RedrivePolicy)].every((id) => {
          const k = key(q, id);
          return !queueIds.has(k) || created.has(k);
        }),
      );
      const batch = ready.length > 0 ? ready : remaining;
      for (const entry of batch) {
        created.add(key(entry));
        try {
          const resolver = ctx.resolver(entry);
          const { KmsMasterKeyId: _kms, Tags: _tags, ...raw } = entry.resource.Properties ?? {};
          const props = resolver.resolve(raw, `${entry.logicalId}.Properties`) as Record<string, unknown>;
          const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
          const name =
            typeof props.QueueName === 'string'
              ? props.QueueName
              : physicalName(entry.stack.stackName, entry.logicalId, 80, fifo ? '.fifo' : '');
          const { url, arn } = ctx.engines.createQueue(name, props);
          ctx.register(entry, { kind: 'queue', name, arn, url }, url, {
            Arn: arn,
            QueueName: name,
            QueueUrl: url,
          });
        } catch (error) {
          ctx.problem(`queue ${ctx.where(entry)}: ${(error as Error).message}`);
        }
      }
      remaining = remaining.filter((q) => !batch.includes(q));
    }
  },
};
