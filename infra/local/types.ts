import type { App } from 'aws-cdk-lib';
import type { DynamoDbLocal } from './dynamodb-local.js';
import type { FaultKind, FaultPlan, FaultRule, InjectedFault } from './faults/fault-plan.js';
import type { GatewayCall } from './gateway/authorization.js';
import type { AwsShapedError } from './gateway/backend.js';
import type { ReloadReport } from './reload/reload-report.js';
import type { SynthCacheOptions } from './synth-cache.js';

/** One line of output from the local cloud: a function's console, a poller, or the cloud itself. */
export interface LocalLogLine {
  /** Epoch milliseconds. */
  readonly timestamp: number;
  readonly source: 'lambda' | 'stepfunctions' | 'event-source' | 'cloud';
  /** The physical name of the function, state machine or event source mapping the line belongs to. */
  readonly resource?: string;
  /** The Lambda request id the line was printed under, when known. */
  readonly requestId?: string;
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
}

/** Options of `startLocalCloud` (and of `useLocalCloud`). */
export interface LocalCloudOptions {
  /**
   * The CDK app to run: a factory that builds it (synthesized in-process), or the path of a
   * cloud assembly directory that `cdk synth` already wrote (e.g. `cdk.out`).
   */
  readonly app: (() => App | Promise<App>) | string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /**
   * Account id used in local ARNs. Queues keep the SQS emulator's own account (000000000000).
   * @default '000000000000'
   */
  readonly accountId?: string;
  /** Receives every log line; without it, lines are dropped. */
  readonly onLog?: (line: LocalLogLine) => void;
  /**
   * Most concurrent workers (sandboxes) per function; further invocations queue. Two keep
   * concurrent deliveries racing, as they do on Lambda, while the cloud's memory stays small: each
   * worker is an isolate of its own holding the AWS SDK, about 25 MiB once it has served requests.
   * @default 2
   */
  readonly maxConcurrencyPerFunction?: number;
  /** How often event source pollers look for work when idle, in ms. @default 100 */
  readonly pollIntervalMs?: number;
  /**
   * Divides every Retry interval of every state machine, so that backoff-heavy tests run fast.
   * @default 1 (real intervals)
   */
  readonly retryIntervalDivisor?: number;
  /**
   * Divides the period of every scheduled EventBridge rule (`rate(...)`), so that schedule-driven
   * tests run fast: with 60, a sweeper scheduled every minute runs every second.
   * @default 1 (real periods)
   */
  readonly scheduleRateDivisor?: number;
  /**
   * Runs the app's scheduled EventBridge rules. Off, they are still listed but never fire, for
   * tests that invoke a scheduled function themselves.
   * @default true
   */
  readonly runSchedules?: boolean;
  /**
   * Reuse the synthesized assembly of an app factory while the project's sources are unchanged
   * (see `SynthCache`). Skipping synthesis skips esbuild bundling, most of the start-up time.
   * @default no cache: the factory runs on every start
   */
  readonly synthCache?: SynthCacheOptions;
  /**
   * Environment variables for every local function. They win over the template's own, so a test can
   * shorten a setting the app fixes (e.g. a check interval the construct keeps at a minute or more).
   */
  readonly functionEnvironment?: Readonly<Record<string, string>>;
  /**
   * Faults to inject from the start (see `FaultPlan`). Giving a plan, even `{}`, also routes the
   * functions' DynamoDB requests through the fault proxy, which DynamoDB fault rules need.
   * @default the plan in the `STEPSAGA_FAULTS` environment variable (JSON or `@file`), if set
   */
  readonly faults?: FaultPlan;
  /**
   * The app's IAM policies, evaluated for every call a local function or state machine makes (see
   * docs/local-cloud-fidelity.md): `warn` logs one warning per missing grant, `enforce` also fails
   * the call with AWS's `AccessDeniedException` (a task with the error Step Functions reports),
   * `off` evaluates nothing.
   * @default the `STEPSAGA_IAM` environment variable, else 'warn'
   */
  readonly iam?: 'enforce' | 'warn' | 'off';
  /**
   * A folder to keep the cloud's state in, so that it survives a restart (and a crash): tables and
   * their items, queues and their messages, Step Functions executions (running Standard executions
   * resume). The folder is locked while the cloud runs; a second cloud on it is refused.
   * @default everything in memory: stopping the cloud loses it
   */
  readonly persist?: string;
  /**
   * An in-memory DynamoDB Local the caller began starting (`startDynamoDbLocal()`) before it loaded
   * the rest of the cloud's modules: its JVM boots meanwhile. The cloud adopts it and stops it with
   * itself, or when its own start fails. Not with `persist`, whose folder the cloud opens itself.
   * @default the cloud starts its own
   */
  readonly dynamoDbLocal?: Promise<DynamoDbLocal>;
}

/** The kinds of resource the local cloud runs. */
export type LocalResourceKind =
  | 'table'
  | 'queue'
  | 'function'
  /** A published version of a function (`AWS::Lambda::Version`); its ARN is qualified with its number. */
  | 'functionVersion'
  /** A function alias (`AWS::Lambda::Alias`); its ARN is qualified with the alias name. */
  | 'functionAlias'
  | 'stateMachine'
  | 'eventSourceMapping'
  | 'eventRule'
  | 'topic'
  | 'subscription'
  | 'eventBus';

/** One resource of the app as the local cloud runs it. */
export interface LocalResource {
  readonly kind: LocalResourceKind;
  /** The CloudFormation resource type, e.g. `AWS::DynamoDB::GlobalTable`. */
  readonly type: string;
  readonly stack: string;
  readonly logicalId: string;
  /** The construct path from the `aws:cdk:path` metadata, when present. */
  readonly path?: string;
  /** Physical name: table, queue, function, state machine, topic, bus or rule name; the UUID of a mapping. */
  readonly name: string;
  readonly arn: string;
  /** Queue URL (queues only). */
  readonly url?: string;
  /** The version number (function versions) or the version it points at (aliases). */
  readonly version?: string;
  /** Latest stream ARN (tables with a stream only). */
  readonly streamArn?: string;
  /** EventBridge rules only: what triggers the rule and how it runs locally. */
  readonly eventRule?: LocalEventRule;
}

/** How an EventBridge rule runs on the local cloud. */
export interface LocalEventRule {
  /** The schedule expression, or `event pattern`. */
  readonly trigger: string;
  /** The bus an event-pattern rule listens on. */
  readonly eventBus?: string;
  /** The period it fires at locally (the schedule's, divided by `scheduleRateDivisor`), when it runs. */
  readonly localPeriodMs?: number;
  /** Why it never fires locally, when it does not. */
  readonly notRunReason?: string;
}

/** The resources of the running app, by kind and by reference. */
export interface LocalResourceIndex {
  readonly all: readonly LocalResource[];
  /** Every resource of one kind. */
  list(kind: LocalResourceKind): LocalResource[];
  /** The resource with this logical id in this stack, if there is one. */
  get(stack: string, logicalId: string): LocalResource | undefined;
  /**
   * Finds one resource by logical id, physical name, ARN, URL or construct path (or a path suffix
   * such as `Inventory/Table`). Throws when nothing or more than one resource matches.
   */
  find(ref: string, kind?: LocalResourceKind): LocalResource;
}

/** An AWS JSON API served in-process: `call('StartExecution', request)` returns AWS's response shape. */
export interface LocalService {
  /** Runs one API operation with an AWS JSON request; resolves with the response in AWS's shape. */
  call(operation: string, request: unknown): Promise<unknown>;
}

/** The error that `FaultInjector.failNext` makes the next invocations fail with. */
export interface FailNextOptions {
  /** The Lambda `errorType`, e.g. `SagaTransientError`. */
  readonly errorType: string;
  readonly errorMessage: string;
  /** How many invocations fail. @default 1 */
  readonly times?: number;
}

export interface InjectedFaultHandle {
  /** Withdraws the rule (faults it already injected stay counted). */
  remove(): void;
}

/** Injects faults into the running cloud's functions, queues and DynamoDB requests, and reports those that fired. */
export interface FaultInjector {
  /**
   * The next `times` invocations of the function (logical id, physical name, ARN or construct
   * path) fail with this error before the handler runs; later invocations run normally.
   */
  failNext(functionRef: string, options: FailNextOptions): void;
  /** Adds a fault rule (Lambda, queue or DynamoDB); rules are checked in the order they were added. */
  inject(rule: FaultRule): InjectedFaultHandle;
  /** Adds a plan's rules and, if it has one, takes its seed. */
  load(plan: FaultPlan): void;
  /** The seed of probability draws from now on. */
  setSeed(seed: number): void;
  /** How many faults of each kind fired since the cloud started. */
  injectedCounts(): Partial<Record<FaultKind, number>>;
  /** The most recent faults that fired (up to 10,000), optionally filtered. */
  injected(filter?: (fault: InjectedFault) => boolean): InjectedFault[];
  /** Removes every pending fault. */
  clear(): void;
}

/** A running local cloud: its endpoints, its resources, the in-process services and fault injection. */
export interface LocalCloud {
  readonly region: string;
  readonly accountId: string;
  /** DynamoDB Local's endpoint (DynamoDB and DynamoDB Streams APIs). */
  readonly dynamoDbEndpoint: string;
  /** The SQS emulator's endpoint. */
  readonly sqsEndpoint: string;
  readonly resources: LocalResourceIndex;
  /** AWS Step Functions JSON 1.0 API (`StartExecution`, `DescribeExecution`, ...). */
  readonly stepFunctions: LocalService;
  /** EventBridge API: `PutEvents`, `ListEventBuses`, `ListRules` over the app's buses and rules. */
  readonly eventBridge: LocalService;
  /** Lambda API: `Invoke` with `{ FunctionName, Payload, InvocationType?, LogType? }`. */
  readonly lambda: LocalService;
  readonly faults: FaultInjector;
  /**
   * Lambda invocations under way right now, over every function. An execution can end while one
   * still runs (an abandoned Parallel branch's task completes, as on AWS); zero means nothing more
   * will commit until something new starts.
   */
  invocationsInFlight(): number;
  /** How the app's IAM policies are applied (`LocalCloudOptions.iam`, or `setIamMode`). */
  readonly iamMode: 'enforce' | 'warn' | 'off';
  /**
   * Switches a cloud started with IAM on between `warn` and `enforce`, e.g. for one test of a suite
   * that shares a cloud; missing grants are warned about anew. Throws for a cloud started with `off`.
   */
  setIamMode(mode: 'enforce' | 'warn'): void;
  /**
   * Evaluates a request that reached an endpoint in front of the cloud (see `startGateway`): a
   * request signed with a local function's credentials is checked against the function's role.
   */
  authorizeRequest(call: GatewayCall): AwsShapedError | undefined;
  /** Milliseconds from the call of `startLocalCloud` until the cloud was ready. */
  readonly startupMs: number;
  /** The folder the cloud persists to (`persist`), absolute; absent when everything is in memory. */
  readonly persistDir?: string;
  /**
   * The web console of this cloud (`http://127.0.0.1:<port>/_console/`, on the loopback endpoint its
   * functions use): state machines, executions, parked sagas, queues and tables, for a browser on
   * this machine. `stepsaga local up` serves it on its own port too.
   */
  readonly consoleUrl: string;
  /**
   * Sets the endpoint local functions use for a service the cloud serves in-process (Step Functions,
   * Lambda), e.g. once an HTTP gateway in front of the cloud is listening. Applies to workers
   * started afterwards (running workers are recycled).
   */
  setServiceEndpoint(service: 'sfn' | 'lambda' | 'default', url: string): void;
  /**
   * Applies a new synthesis of the app to the running cloud, as a deploy would: functions get the
   * new code, new versions are published (old ones keep theirs), aliases move, state machines get
   * the new definition while running executions keep the one they started with, and new tables and
   * queues are created. Existing tables and queues keep their items and messages. Returns what
   * changed; changes it cannot apply without a restart (an event source mapping, a rule, a table's
   * key schema) are reported, not applied.
   */
  reload(app: LocalCloudOptions['app'], options?: ReloadOptions): Promise<ReloadReport>;
  /** Stops pollers, workers, the SQS emulator and DynamoDB Local. Safe to call twice. */
  stop(): Promise<void>;
}

/** Options of `LocalCloud.reload`. */
export interface ReloadOptions {
  /** @default the cloud's own `synthCache` option */
  readonly synthCache?: SynthCacheOptions;
  /** Remove the given assembly folder when the cloud stops (it was synthesized for this reload). @default false */
  readonly removeOnStop?: boolean;
}
