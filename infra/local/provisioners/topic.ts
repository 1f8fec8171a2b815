import { parseEventPattern } from '../event-sources/event-pattern.js';
import { physicalName } from '../naming.js';
import type { ProvisionContext, ProvisionEntry, Provisioner, TopicSubscription } from './context.js';

/**
 * `AWS::SNS::Topic` → a topic on the SQS emulator's SNS; its inline `Subscription` list is
 * subscribed like `AWS::SNS::Subscription` resources are.
 */
export const topicProvisioner: Provisioner = {
  types: ['AWS::SNS::Topic'],
  // Functions and state machines name topics in their environment and definitions.
  declare(entries, ctx) {
    for (const entry of entries) {
      try {
        const props = entry.resource.Properties ?? {};
        const name =
          props.TopicName !== undefined
            ? ctx.resolver(entry).resolveString(props.TopicName, `${entry.logicalId}.TopicName`)
            : physicalName(entry.stack.stackName, entry.logicalId, 256, isFifo(props) ? '.fifo' : '');
        const arn = topicArn(ctx.region, name);
        ctx.register(entry, { kind: 'topic', name, arn }, arn, { TopicArn: arn, TopicName: name });
      } catch (error) {
        ctx.problem(`topic ${ctx.where(entry)}: ${(error as Error).message}`);
      }
    }
  },
  async provision(entries, ctx) {
    for (const entry of entries) {
      const resource = ctx.index.get(entry.stack.stackName, entry.logicalId);
      if (!resource) continue;
      try {
        const resolver = ctx.resolver(entry);
        const props = entry.resource.Properties ?? {};
        const attributes: Record<string, string> = {};
        if (isFifo(props)) attributes.FifoTopic = 'true';
        if (props.ContentBasedDeduplication !== undefined)
          attributes.ContentBasedDeduplication = String(props.ContentBasedDeduplication);
        ctx.engines.createTopic(resource.name, attributes);
        const inline = resolver.resolve(
          props.Subscription ?? [],
          `${entry.logicalId}.Subscription`,
        ) as Array<{
          Endpoint?: unknown;
          Protocol?: unknown;
        }>;
        for (const [i, sub] of inline.entries()) {
          await subscribe(ctx, entry, `${ctx.where(entry)} Subscription[${i}]`, {
            TopicArn: resource.arn,
            Protocol: sub.Protocol,
            Endpoint: sub.Endpoint,
          });
        }
      } catch (error) {
        ctx.problem(`topic ${ctx.where(entry)}: ${(error as Error).message}`);
      }
    }
  },
};

const isFifo = (props: Record<string, unknown>) => props.FifoTopic === true || props.FifoTopic === 'true';

/** Topics live on the SQS emulator, whose account is fixed, like queues. */
export const topicArn = (region: string, name: string) => `arn:aws:sns:${region}:000000000000:${name}`;

/** `AWS::SNS::Subscription` → SQS and Lambda subscriptions, with filter policies and raw delivery. */
export const subscriptionProvisioner: Provisioner = {
  types: ['AWS::SNS::Subscription'],
  async provision(entries, ctx) {
    for (const entry of entries) {
      try {
        const props = ctx
          .resolver(entry)
          .resolve(entry.resource.Properties ?? {}, `${entry.logicalId}.Properties`) as Record<
          string,
          unknown
        >;
        await subscribe(ctx, entry, ctx.where(entry), props);
      } catch (error) {
        ctx.problem(`subscription ${ctx.where(entry)}: ${(error as Error).message}`);
      }
    }
  },
};

async function subscribe(
  ctx: ProvisionContext,
  entry: ProvisionEntry,
  where: string,
  props: Record<string, unknown>,
): Promise<void> {
  const protocol = String(props.Protocol ?? '');
  const endpoint = String(props.Endpoint ?? '');
  if (protocol !== 'sqs' && protocol !== 'lambda') {
    ctx.log(
      'warn',
      `subscription ${where}: protocol ${protocol} is not delivered locally (sqs and lambda are)`,
    );
    return;
  }
  if (protocol === 'sqs' && !ctx.index.all.some((r) => r.kind === 'queue' && r.arn === endpoint))
    throw new Error(`endpoint ${endpoint} is not a queue of the app`);
  if (protocol === 'lambda' && !ctx.engines.lambda.lookup(endpoint)) {
    throw new Error(
      ctx.unrunnable.get(/:function:([^:]+)/.exec(endpoint)?.[1] ?? endpoint) ??
        `endpoint ${endpoint} is not a function of the app`,
    );
  }
  const scope = props.FilterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes';
  const filterPolicy =
    props.FilterPolicy === undefined
      ? undefined
      : JSON.stringify(parseEventPattern(props.FilterPolicy, `subscription ${where} FilterPolicy`));
  const subscription: TopicSubscription = {
    topicArn: String(props.TopicArn),
    protocol,
    endpoint,
    rawMessageDelivery: props.RawMessageDelivery === true || props.RawMessageDelivery === 'true',
    ...(filterPolicy ? { filterPolicy, filterPolicyScope: scope } : {}),
  };
  const { arn, start } = await ctx.engines.subscribe(subscription);
  if (entry.resource.Type === 'AWS::SNS::Subscription')
    ctx.register(entry, { kind: 'subscription', name: arn.split(':').pop() ?? arn, arn }, arn, { Arn: arn });
  if (start) ctx.whenStarted(start);
}
