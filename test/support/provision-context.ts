import type { CfnTemplate, StackTemplate } from '../../infra/local/cloud-assembly.js';
import type { TableProperties } from '../../infra/local/dynamodb-tables.js';
import type { EventSourceMappingConfig } from '../../infra/local/event-sources/event-source-mapping.js';
import type { ScheduleRuleConfig } from '../../infra/local/event-sources/schedule-rules.js';
import type { EventPatternRule } from '../../infra/local/eventbridge/event-bus-service.js';
import { IntrinsicResolver, type ResolvedResource } from '../../infra/local/intrinsics.js';
import type { LocalFunctionConfig } from '../../infra/local/lambda/local-function.js';
import type {
  ProvisionContext,
  ProvisionEngines,
  ProvisionEntry,
  Running,
  TopicSubscription,
} from '../../infra/local/provisioners/index.js';
import { ResourceIndex } from '../../infra/local/resource-index.js';
import type { LocalStateMachine } from '../../infra/local/stepfunctions/stepfunctions-service.js';
import type { LocalCloudOptions, LocalLogLine } from '../../infra/local/types.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

/** What a fake provisioning context saw: engine calls, problems, logs and what would start. */
export interface FakeProvisioning {
  readonly ctx: ProvisionContext;
  readonly entries: ProvisionEntry[];
  readonly tables: Array<{ name: string; props: TableProperties }>;
  readonly queues: Array<{ name: string; props: Record<string, unknown> }>;
  readonly functions: LocalFunctionConfig[];
  readonly machines: LocalStateMachine[];
  readonly mappings: EventSourceMappingConfig[];
  readonly schedules: ScheduleRuleConfig[];
  readonly topics: string[];
  readonly subscriptions: TopicSubscription[];
  readonly buses: string[];
  readonly rules: EventPatternRule[];
  readonly problems: string[];
  readonly logs: LocalLogLine[];
  /** Runs what the provisioners asked to start once the cloud is up. */
  start(): void;
}

/**
 * A provisioning context over a template fragment, with no engine behind it: the real intrinsic
 * resolver and resource index, and engines that record what they were asked to create.
 */
export function fakeProvisioning(
  resources: CfnTemplate['Resources'],
  options: Partial<LocalCloudOptions> = {},
): FakeProvisioning {
  const stack: StackTemplate = { stackName: 'App', template: { Resources: resources ?? {} }, directory: '/' };
  const resolved = new Map<string, ResolvedResource>();
  const resolver = new IntrinsicResolver(stack, {
    region: REGION,
    accountId: ACCOUNT,
    resource: (stackName, id) => resolved.get(`${stackName}/${id}`),
  });
  const index = new ResourceIndex();
  const out = {
    tables: [] as FakeProvisioning['tables'],
    queues: [] as FakeProvisioning['queues'],
    functions: [] as LocalFunctionConfig[],
    machines: [] as LocalStateMachine[],
    mappings: [] as EventSourceMappingConfig[],
    schedules: [] as ScheduleRuleConfig[],
    topics: [] as string[],
    subscriptions: [] as TopicSubscription[],
    buses: [] as string[],
    rules: [] as EventPatternRule[],
    problems: [] as string[],
    logs: [] as LocalLogLine[],
  };
  const starts: Array<() => Running> = [];
  const registered = new Map<string, { config: { name: string; arn: string } }>();
  const running: Running = { stop: async () => {} };
  const engines: ProvisionEngines = {
    createTable: async (name, props) => {
      out.tables.push({ name, props });
      return props.StreamSpecification
        ? { streamArn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}/stream/2026-01-01T00:00:00.000` }
        : {};
    },
    createQueue: (name, props) => {
      out.queues.push({ name, props });
      return { url: `http://sqs.local/${ACCOUNT}/${name}`, arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}` };
    },
    lambda: {
      lookup: (nameOrArn: string) => {
        const name = /function:([^:]+)/.exec(nameOrArn)?.[1] ?? nameOrArn;
        return registered.get(name) as never;
      },
      register: () => {},
    },
    registerFunction: (config) => {
      out.functions.push(config);
      registered.set(config.name, { config });
    },
    publishVersion: (name) => {
      const fn = registered.get(name);
      return fn ? { version: '1', arn: `${fn.config.arn}:1` } : undefined;
    },
    setAlias: () => {},
    registerStateMachine: (machine) => out.machines.push(machine),
    validateDefinition: () => {},
    startMapping: (mapping) => {
      out.mappings.push(mapping);
      return running;
    },
    startSchedule: (schedule) => {
      out.schedules.push(schedule);
      return running;
    },
    createTopic: (name) => {
      out.topics.push(name);
      return { arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${name}` };
    },
    subscribe: async (subscription) => {
      out.subscriptions.push(subscription);
      return { arn: `${subscription.topicArn}:sub-${out.subscriptions.length}` };
    },
    addEventBus: (name) => {
      out.buses.push(name);
      return `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${name}`;
    },
    addEventRule: (rule) => out.rules.push(rule),
  };
  const ctx: ProvisionContext = {
    region: REGION,
    accountId: ACCOUNT,
    options: { app: '/nowhere', ...options },
    assembly: {
      directory: '/nowhere',
      stacks: [stack],
      assetsByObjectKey: new Map(),
      constructPaths: new Map(),
      temporary: false,
    },
    index,
    engines,
    unrunnable: new Map(),
    resolver: () => resolver,
    where: (entry) => `${entry.stack.stackName}/${entry.logicalId}`,
    register: (entry, resource, ref, attributes) => {
      index.add({
        stack: entry.stack.stackName,
        logicalId: entry.logicalId,
        type: entry.resource.Type,
        ...resource,
      });
      resolved.set(`${entry.stack.stackName}/${entry.logicalId}`, { ref, attributes });
    },
    problem: (message) => out.problems.push(message),
    log: (level, message) => out.logs.push({ timestamp: Date.now(), source: 'cloud', level, message }),
    onLog: (line) => out.logs.push(line),
    whenStarted: (start) => starts.push(start),
  };
  const entries = Object.entries(resources ?? {}).map(([logicalId, resource]) => ({
    stack,
    logicalId,
    resource,
  }));
  return {
    ctx,
    entries,
    ...out,
    start: () => {
      for (const start of starts.splice(0)) start();
    },
  };
}
