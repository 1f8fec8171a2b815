import type { CfnResource, LoadedAssembly, StackTemplate } from '../cloud-assembly.js';
import type { TableProperties } from '../dynamodb-tables.js';
import type { EventSourceMappingConfig } from '../event-sources/event-source-mapping.js';
import type { ScheduleRuleConfig } from '../event-sources/schedule-rules.js';
import type { EventPatternRule } from '../eventbridge/event-bus-service.js';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { LocalFunctionConfig } from '../lambda/local-function.js';
import type { ResourceIndex } from '../resource-index.js';
import type { LocalStateMachine } from '../stepfunctions/stepfunctions-service.js';
import type { LocalCloudOptions, LocalLogLine, LocalResource } from '../types.js';

/** One resource of a synthesized stack, as a provisioner receives it. */
export interface ProvisionEntry {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly resource: CfnResource;
  /** The construct path, when the assembly records one. */
  readonly path?: string;
}

/** Resolves intrinsics in one stack's template values; `where` names the value in error messages. */
export interface TemplateResolver {
  resolve(value: unknown, where: string): unknown;
  resolveString(value: unknown, where: string): string;
  condition(name: string, where: string): boolean;
}

/** Something started once the cloud is up, stopped with it. */
export interface Running {
  stop(): Promise<void>;
}

/**
 * The engines as provisioners use them. Narrow on purpose: a unit test fakes it from a few
 * functions, with no DynamoDB Local, SQS emulator or interpreter behind it.
 */
export interface ProvisionEngines {
  createTable(name: string, props: TableProperties): Promise<{ readonly streamArn?: string }>;
  createQueue(name: string, props: Record<string, unknown>): { readonly url: string; readonly arn: string };
  readonly lambda: Pick<LambdaService, 'lookup' | 'register'>;
  /** Registers a local function built from its configuration. */
  registerFunction(config: LocalFunctionConfig): void;
  /**
   * Publishes a version of a function from what `$LATEST` runs now; `key` names the template's
   * version resource, and a key published before (the same resource after a reload) keeps its
   * number and code. Undefined when the function does not run locally.
   */
  publishVersion(
    functionName: string,
    key: string,
  ): { readonly version: string; readonly arn: string } | undefined;
  /** Points an alias at a version. */
  setAlias(functionName: string, alias: string, version: string): void;
  registerStateMachine(machine: LocalStateMachine): void;
  /** Throws the interpreter's validation error for a definition it refuses. */
  validateDefinition(definition: Record<string, unknown>): void;
  /** Starts polling an event source (a queue or a table stream) for a mapping. */
  startMapping(mapping: EventSourceMappingConfig): Running;
  /** Starts firing a scheduled rule. */
  startSchedule(schedule: ScheduleRuleConfig): Running;
  /** Creates an SNS topic on the emulator; its ARN carries the emulator's account. */
  createTopic(name: string, attributes: Record<string, string>): { readonly arn: string };
  /**
   * Subscribes a queue (by ARN) or a function (by ARN) to a topic. Returns the subscription ARN
   * and, for a function, what delivers to it once the cloud is up.
   */
  subscribe(
    subscription: TopicSubscription,
  ): Promise<{ readonly arn: string; readonly start?: () => Running }>;
  /** Adds a custom event bus; returns its ARN. */
  addEventBus(name: string): string;
  addEventRule(rule: EventPatternRule): void;
}

export interface TopicSubscription {
  readonly topicArn: string;
  readonly protocol: 'sqs' | 'lambda';
  /** The queue's or the function's ARN. */
  readonly endpoint: string;
  readonly rawMessageDelivery: boolean;
  /** JSON text, as the template gives it. */
  readonly filterPolicy?: string;
  readonly filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
}

/** What every provisioner shares: resolution, registration, problems, logs, the engines. */
export interface ProvisionContext {
  readonly region: string;
  readonly accountId: string;
  readonly options: LocalCloudOptions;
  readonly assembly: LoadedAssembly;
  readonly index: ResourceIndex;
  readonly engines: ProvisionEngines;
  /**
   * Why each of the app's functions that cannot run locally cannot, by function name. A state
   * machine, mapping or rule that calls one reports the reason, since that is where it matters.
   */
  readonly unrunnable: Map<string, string>;
  resolver(entry: ProvisionEntry): TemplateResolver;
  /** The construct path, or `stack/logicalId`, for messages. */
  where(entry: ProvisionEntry): string;
  /** Adds a resource to the index and makes `Ref`/`Fn::GetAtt` of it resolve. */
  register(
    entry: ProvisionEntry,
    resource: Omit<LocalResource, 'stack' | 'logicalId' | 'path' | 'type'>,
    ref: string,
    attributes: Record<string, string>,
  ): void;
  /** A reason the app cannot start locally; all are reported together. */
  problem(message: string): void;
  log(level: LocalLogLine['level'], message: string): void;
  readonly onLog: (line: LocalLogLine) => void;
  /** Work to start once every resource is in place and start-up found no problem. */
  whenStarted(start: () => Running): void;
}

/**
 * Maps the CloudFormation types it names onto local engines. Provisioners run in a fixed order
 * (see `PROVISIONERS`), each receiving every entry of its types at once, so one that needs an
 * order among its own resources (dead-letter queues first) can have it.
 */
export interface Provisioner {
  readonly types: readonly string[];
  /**
   * Registers names and ARNs before anything is created, for resources that refer to each other
   * (functions and state machines); run for every provisioner before the first one that has it.
   */
  declare?(entries: readonly ProvisionEntry[], ctx: ProvisionContext): void;
  provision(entries: readonly ProvisionEntry[], ctx: ProvisionContext): Promise<void> | void;
}
