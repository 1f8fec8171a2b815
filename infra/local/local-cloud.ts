import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { FauxqsServer } from 'fauxqs';
import { type LoadedAssembly, loadAssembly } from './cloud-assembly.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { createTable } from './dynamodb-tables.js';
import { LocalCloudStartError } from './errors.js';
import { DynamoDbStreamPoller } from './event-sources/dynamodb-stream-poller.js';
import { ScheduleRunner } from './event-sources/schedule-rules.js';
import { SqsPoller } from './event-sources/sqs-poller.js';
import { StreamsApi } from './event-sources/streams-api.js';
import { EventBridgeService, type EventTarget } from './eventbridge/event-bus-service.js';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from './faults/dynamodb-fault-proxy.js';
import { faultPlanFromEnv } from './faults/parse-fault-plan.js';
import { Faults } from './faults.js';
import { type Gateway, startGateway } from './gateway/index.js';
import { accessKeyFor } from './iam/iam-authorizer.js';
import { managedPolicyResolution, roleResolution } from './iam/iam-model.js';
import { LocalIam } from './iam/local-iam.js';
import { IntrinsicResolver, type ResolvedResource } from './intrinsics.js';
import { LambdaService } from './lambda/lambda-service.js';
import { LocalFunction, type LocalFunctionConfig } from './lambda/local-function.js';
import { unsupportedNodeMessage } from './node-version.js';
import { type LocalPersistence, openLocalPersistence } from './persistence/local-persistence.js';
import {
  describeNotEmulated,
  isIgnoredType,
  PROVISIONERS,
  type ProvisionContext,
  type ProvisionEngines,
  type ProvisionEntry,
  placeholder,
  provisionerFor,
  type Running,
  runProvisioners,
  type TopicSubscription,
} from './provisioners/index.js';
import { diffAssemblies } from './reload/assembly-diff.js';
import { describeReload, type ReloadReport, reloadChanges } from './reload/reload-report.js';
import { ResourceIndex } from './resource-index.js';
import { subscribeQueue } from './sns/emulator-subscribe.js';
import { LambdaSubscription } from './sns/lambda-subscription.js';
import { importSqsEmulator, startSqsEmulatorOnLoopback } from './sqs-emulator-module.js';
import { createQueue } from './sqs-queues.js';
import { StartupTimings } from './startup-timings.js';
import { TaskTokens } from './stepfunctions/task-tokens.js';
import { SynthCache } from './synth-cache.js';
import type { LocalCloud, LocalCloudOptions, LocalLogLine, LocalResource, ReloadOptions } from './types.js';

/**
 * Synthesizes a CDK app and runs it on local engines: DynamoDB Local, the fauxqs SQS emulator,
 * Lambda functions in worker threads, state machines on the aws-local-stepfunctions interpreter,
 * and event source mappings as pollers. Start-up fails with every problem listed when the app uses
 * something that cannot run locally (an unbound Task, JSONata, an unsupported resource reference).
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const handedOver = options.dynamoDbLocal;
  if (!handedOver) return startCloud(options);
  try {
    return await startCloud(options);
  } catch (error) {
    // A DynamoDB Local handed over is the cloud's to stop, also when the cloud never started.
    await handedOver.then((dynamo) => dynamo.stop()).catch(() => {});
    throw error;
  }
}

async function startCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const unsupportedNode = unsupportedNodeMessage(process.versions.node);
  if (unsupportedNode) throw new LocalCloudStartError([unsupportedNode.trim()], 'Unsupported Node.js');
  const startedAt = Date.now();
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const onLog = options.onLog ?? (() => {});
  const iamMode = options.iam ?? (process.env.STEPSAGA_IAM as LocalCloudOptions['iam']) ?? 'warn';
  if (!['enforce', 'warn', 'off'].includes(iamMode))
    throw new Error(
      `iam (or STEPSAGA_IAM) must be 'enforce', 'warn' or 'off', got ${JSON.stringify(iamMode)}`,
    );
  const scheduleRateDivisor = options.scheduleRateDivisor ?? 1;
  if (!(Number.isFinite(scheduleRateDivisor) && scheduleRateDivisor > 0)) {
    throw new Error(`scheduleRateDivisor must be a positive number, got ${scheduleRateDivisor}`);
  }
  // Read before anything starts, so that a malformed plan fails fast with nothing to clean up.
  const faultPlan = options.faults ?? faultPlanFromEnv();
  const log = (level: LocalLogLine['level'], message: string) =>
    onLog({ timestamp: Date.now(), source: 'cloud', level, message });
  if (options.dynamoDbLocal && options.persist !== undefined) {
    throw new Error(
      'dynamoDbLocal cannot be combined with persist: a persisted cloud starts DynamoDB Local on its own folder',
    );
  }
  // Locked and checked before any engine opens the folder: a refused folder is left as it was.
  const persistence: LocalPersistence | undefined = options.persist
    ? await openLocalPersistence(options.persist)
    : undefined;

  const timings = new StartupTimings();
  // Engines start while the app synthesizes: DynamoDB Local dominates the start-up time.
  const timed = <T>(what: string, work: () => Promise<T>) =>
    timings.track(what, work).then((value) => {
      log('debug', `${what} took ${Date.now() - startedAt} ms`);
      return value;
    });
  const dynamoPromise = timed(
    'DynamoDB Local start',
    () =>
      options.dynamoDbLocal ??
      startDynamoDbLocal({
        onWarning: (message) => log('warn', message),
        ...(persistence ? { dbPath: persistence.dir.dynamoDbDir } : {}),
      }),
  );
  const assemblyPromise = timed('synth', () =>
    loadAssembly(options.app, options.synthCache ? new SynthCache(options.synthCache) : undefined),
  );
  // The interpreter's package loads the SDK's Lambda client and an ASL validator, fauxqs its HTTP
  // stack: a second or more of module loading, done while DynamoDB Local boots instead of before
  // its JVM is spawned (a few event-loop turns after the call). By the time the assembly is read,
  // DynamoDB Local answers or 200 ms have passed (a synth keeps the loop busy), it has been.
  const modulesPromise = Promise.race([
    assemblyPromise,
    dynamoPromise,
    new Promise((resolve) => setTimeout(resolve, 200)),
  ])
    .catch(() => undefined)
    .then(() =>
      timings.track(
        'engine modules (fauxqs, ASL interpreter)',
        Promise.all([
          importSqsEmulator(),
          import('aws-local-stepfunctions'),
          import('./stepfunctions/stepfunctions-service.js'),
        ]),
      ),
    );
  const enginesPromise = Promise.allSettled([
    dynamoPromise,
    timed('SQS emulator start', () =>
      modulesPromise.then(async ([{ startFauxqs }]) =>
        startSqsEmulatorOnLoopback(startFauxqs, {
          ...(persistence ? await persistence.sqsEmulatorOptions() : { port: 0 }),
          logger: false,
          defaultRegion: region,
        }),
      ),
    ),
  ]);
  let assembly: LoadedAssembly;
  try {
    assembly = await assemblyPromise;
  } catch (error) {
    await stopEngines(await enginesPromise);
    persistence?.release();
    throw error;
  }
  const [dynamoResult, fauxqsResult] = await enginesPromise;
  if (dynamoResult.status === 'rejected' || fauxqsResult.status === 'rejected') {
    await stopEngines([dynamoResult, fauxqsResult]);
    persistence?.release();
    const reason =
      dynamoResult.status === 'rejected'
        ? dynamoResult.reason
        : (fauxqsResult as PromiseRejectedResult).reason;
    throw reason instanceof Error ? reason : new Error(String(reason));
  }
  const dynamo = dynamoResult.value;
  const fauxqs = fauxqsResult.value;
  // Loaded: the SQS emulator, which needed them, has started.
  const [, { StateMachine }, { StepFunctionsService }] = await modulesPromise;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamodbClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region, credentials });
  const sqsClient = new SQSClient({ endpoint: fauxqs.address, region, credentials });

  const index = new ResourceIndex();
  const resolved = new Map<string, ResolvedResource>();
  const key = (stack: string, id: string) => `${stack}/${id}`;
  const resolverEnv = {
    region,
    accountId,
    resource: (stack: string, id: string) => resolved.get(key(stack, id)),
  };
  /** The assembly the cloud runs now; a reload replaces it. */
  let current = assembly;
  /** Assembly folders the cloud removes when it stops. */
  const owned = assembly.temporary ? [assembly.directory] : [];
  const resolvers = new Map(assembly.stacks.map((s) => [s.stackName, new IntrinsicResolver(s, resolverEnv)]));
  const resolverOf = (entry: ProvisionEntry) => resolvers.get(entry.stack.stackName) as IntrinsicResolver;
  const problems: string[] = [];
  const where = (entry: ProvisionEntry) => entry.path ?? `${entry.stack.stackName}/${entry.logicalId}`;
  const addResource = (
    entry: ProvisionEntry,
    resource: Omit<LocalResource, 'stack' | 'logicalId' | 'path' | 'type'>,
    ref: string,
    attributes: Record<string, string>,
  ) => {
    index.add({
      stack: entry.stack.stackName,
      logicalId: entry.logicalId,
      type: entry.resource.Type,
      ...(entry.path ? { path: entry.path } : {}),
      ...resource,
    });
    resolved.set(key(entry.stack.stackName, entry.logicalId), { ref, attributes });
  };

  const faults = new Faults(
    {
      function: (ref) => index.find(ref, 'function').name,
      queue: (ref) => index.find(ref, 'queue').name,
      table: (ref) => index.find(ref, 'table').name,
    },
    faultPlan,
  );
  let faultProxy: DynamoDbFaultProxy | undefined;
  const lambda = new LambdaService(region, accountId, faults, onLog);
  const tokens = new TaskTokens();
  // Built once every resource is in place; calls made before (none, in practice) are not evaluated.
  let iam: LocalIam | undefined;
  const stepFunctions: InstanceType<typeof StepFunctionsService> = new StepFunctionsService(
    {
      region,
      accountId,
      lambda,
      dynamodb: dynamodbClient,
      sqs: sqsClient,
      tokens,
      retryIntervalDivisor: options.retryIntervalDivisor ?? 1,
      authorizeTask: (run, input) => iam?.authorizeTask(run, input),
      ...(persistence ? { recorder: persistence.executions } : {}),
      sns: {
        publish: (request) => {
          const topic = index.all.find((r) => r.kind === 'topic' && r.arn === request.topicArn);
          if (!topic)
            throw Object.assign(new Error(`Topic does not exist: ${request.topicArn}`), { code: 'NotFound' });
          return fauxqs.publish(topic.name, request.message, {
            region,
            ...(request.subject ? { subject: request.subject } : {}),
            ...(request.messageAttributes ? { messageAttributes: request.messageAttributes as never } : {}),
            ...(request.messageGroupId ? { messageGroupId: request.messageGroupId } : {}),
            ...(request.messageDeduplicationId
              ? { messageDeduplicationId: request.messageDeduplicationId }
              : {}),
          });
        },
      },
      eventBridge: { call: (operation, request) => eventBridge.call(operation, request) },
      states: {
        call: (operation, request) => stepFunctions.call(operation, request),
        whenFinished: (arn) => stepFunctions.whenFinished(arn),
      },
    },
    onLog,
  );
  const eventBridge = new EventBridgeService(
    region,
    accountId,
    (target, text, rule) => deliverEvent(target, text, rule),
    onLog,
  );
  // EventBridge invokes functions and starts executions asynchronously; a failure is the target's.
  const deliverEvent = async (
    target: EventTarget,
    text: string,
    rule: { name: string; arn: string },
  ): Promise<void> => {
    if (iam && !iam.allowsDelivery('events.amazonaws.com', rule, target))
      throw new Error(`EventBridge may not deliver to ${target.arn} (no resource-based policy allows it)`);
    switch (target.kind) {
      case 'function': {
        const result = await lambda.invoke(lambda.get(target.arn), JSON.parse(text));
        if (result.functionError) throw new Error(result.payload.slice(0, 500));
        return;
      }
      case 'queue':
        await sqsClient.send(
          new SendMessageCommand({
            QueueUrl: index.find(target.arn, 'queue').url,
            MessageBody: text,
            ...(target.messageGroupId ? { MessageGroupId: target.messageGroupId } : {}),
          }),
        );
        return;
      case 'stateMachine':
        await stepFunctions.call('StartExecution', { stateMachineArn: target.arn, input: text });
        return;
      case 'topic':
        fauxqs.publish(index.find(target.arn, 'topic').name, text, { region });
        return;
      case 'bus': {
        const event = JSON.parse(text) as Record<string, unknown>;
        const { Entries } = eventBridge.putEvents({
          Entries: [
            {
              Source: event.source,
              DetailType: event['detail-type'],
              Detail: JSON.stringify(event.detail ?? {}),
              Resources: event.resources,
              EventBusName: target.arn,
            },
          ],
        });
        const failure = Entries[0] as { ErrorMessage?: string };
        if (failure.ErrorMessage) throw new Error(failure.ErrorMessage);
        return;
      }
    }
  };
  const serviceEndpoints: Record<string, string> = {};
  /**
   * Where a function's DynamoDB and SQS calls go, decided when a worker starts. Under `enforce` they
   * go through the internal endpoint, which evaluates each against the function's role and refuses
   * it there. Otherwise they go straight to the engines (a proxy hop costs more CPU than the engine
   * call itself); under `warn` the worker reports each request and it is evaluated on the side.
   */
  const throughGateway = (): string | undefined =>
    (iam?.mode ?? iamMode) === 'enforce' ? internalGateway?.endpoint : undefined;
  const unqualified = (arn: string) => arn.split(':').slice(0, 7).join(':');
  function baseEnvironment(config: LocalFunctionConfig): Record<string, string> {
    const viaGateway = throughGateway();
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      LANG: 'en_US.UTF-8',
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      // With IAM on, the endpoint tells a function's calls (to Step Functions, Lambda, SNS and
      // EventBridge always, to DynamoDB and SQS under enforce) by this key, one per function; every
      // version runs with the function's role, so the key names the unqualified ARN. The engines
      // ignore it: DynamoDB Local keeps one database for every key (-sharedDb).
      AWS_ACCESS_KEY_ID: iamMode !== 'off' ? accessKeyFor(unqualified(config.arn)) : 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_LAMBDA_FUNCTION_NAME: config.name,
      AWS_LAMBDA_FUNCTION_VERSION: config.version ?? '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[${config.version ?? '$LATEST'}]${config.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      LAMBDA_TASK_ROOT: config.codeDir,
      AWS_ENDPOINT_URL_DYNAMODB: viaGateway ?? faultProxy?.endpoint ?? dynamo.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: viaGateway ?? dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: viaGateway ?? fauxqs.address,
      ...(serviceEndpoints.sfn ? { AWS_ENDPOINT_URL_SFN: serviceEndpoints.sfn } : {}),
      ...(serviceEndpoints.lambda ? { AWS_ENDPOINT_URL_LAMBDA: serviceEndpoints.lambda } : {}),
      ...(serviceEndpoints.default ? { AWS_ENDPOINT_URL: serviceEndpoints.default } : {}),
    };
  }

  /** Published versions by the template resource that published them, kept across reloads. */
  const versionsByKey = new Map<string, { name: string; version: string; arn: string }>();
  const localFunction = (config: LocalFunctionConfig) =>
    new LocalFunction(config, {
      maxWorkers: options.maxConcurrencyPerFunction ?? 2,
      onLog,
      baseEnvironment: (c) => baseEnvironment(c),
      functionEnvironment: (c) => {
        const viaGateway = throughGateway();
        return viaGateway ? queueUrlsVia(c.environment, fauxqs.address, viaGateway) : c.environment;
      },
      observedEnginePorts: () =>
        (iam?.mode ?? iamMode) === 'warn'
          ? Object.fromEntries([
              [new URL(dynamo.endpoint).port, 'dynamodb' as const],
              ...(faultProxy ? [[new URL(faultProxy.endpoint).port, 'dynamodb' as const]] : []),
              [new URL(fauxqs.address).port, 'sqs' as const],
            ])
          : undefined,
      onEngineCall: (c, call) => iam?.observeEngineCall(unqualified(c.arn), call),
      ...(options.functionEnvironment ? { environmentOverrides: options.functionEnvironment } : {}),
    });
  const pollers: Array<{ stop(): Promise<void> }> = [];
  let applyAssembly: ((next: LoadedAssembly) => Promise<ReloadReport>) | undefined;
  let internalGateway: Gateway | undefined;

  let stopped = false;
  let versionCodeRoot: string | undefined;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // Running executions stay running in the folder: a restart resumes them.
    persistence?.detach();
    stepFunctions.stopAll();
    await Promise.allSettled(pollers.map((p) => p.stop()));
    await eventBridge.drain();
    await internalGateway?.stop();
    await lambda.stop();
    await faultProxy?.stop();
    dynamodbClient.destroy();
    sqsClient.destroy();
    await stopEngines([
      { status: 'fulfilled', value: dynamo },
      { status: 'fulfilled', value: fauxqs },
    ]);
    for (const directory of owned) rmSync(directory, { recursive: true, force: true });
    if (versionCodeRoot) rmSync(versionCodeRoot, { recursive: true, force: true });
    persistence?.release();
  };

  try {
    if (faultPlan) {
      faultProxy = await startDynamoDbFaultProxy(dynamo.endpoint, faults, onLog);
      faults.dynamoDbProxy = true;
    }
    // Every SDK client in a local function (Step Functions, Lambda, and any service without an
    // engine of its own) reaches this cloud through a loopback endpoint, never real AWS, whether or
    // not the caller also hosts a public gateway. With IAM on, DynamoDB and SQS calls go through it
    // too, so that each is evaluated against the calling function's role.
    internalGateway = await timings.track(
      'internal gateway',
      startGateway(
        {
          region,
          dynamoDbEndpoint: faultProxy?.endpoint ?? dynamo.endpoint,
          sqsEndpoint: fauxqs.address,
          stepFunctions,
          lambda,
          eventBridge,
          resources: index,
          authorizeRequest: (call) => iam?.authorizeRequest(call),
        },
        { port: 0 },
      ),
    );
    for (const service of ['sfn', 'lambda', 'default'] as const) {
      serviceEndpoints[service] = internalGateway.endpoint;
    }
    const entries: ProvisionEntry[] = [];
    const notEmulated: Array<{ type: string; where: string }> = [];
    for (const stack of assembly.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        const path = assembly.constructPaths.get(`${stack.stackName}/${logicalId}`);
        const entry: ProvisionEntry = { stack, logicalId, resource, ...(path ? { path } : {}) };
        if (resource.Condition && !resolverOf(entry).condition(resource.Condition, `${logicalId}.Condition`))
          continue;
        if (provisionerFor(resource.Type)) entries.push(entry);
        else if (resource.Type === 'AWS::IAM::Role' || resource.Type === 'AWS::IAM::ManagedPolicy') {
          // Roles and policies resolve as CloudFormation answers, so that policies naming them match.
          const resolve = resource.Type === 'AWS::IAM::Role' ? roleResolution : managedPolicyResolution;
          resolved.set(
            key(stack.stackName, logicalId),
            resolve(stack.stackName, logicalId, resource.Properties ?? {}, accountId),
          );
        } else if (isIgnoredType(resource.Type)) {
          // Ignored resources still resolve, so that a reference to (say) a log group ARN does not fail.
          resolved.set(
            key(stack.stackName, logicalId),
            placeholder(resource.Type, logicalId, stack.stackName, region, accountId),
          );
        } else notEmulated.push({ type: resource.Type, where: where(entry) });
      }
    }
    for (const line of describeNotEmulated(notEmulated)) log('warn', line);

    const streams = new StreamsApi(dynamo.endpoint, region);
    const queueUrl = (arn: string) => index.all.find((r) => r.kind === 'queue' && r.arn === arn)?.url;
    const pollIntervalMs = options.pollIntervalMs ?? 100;
    const starts: Array<() => Running> = [];
    const subscriptionAttributes = (sub: TopicSubscription, raw: boolean): Record<string, string> => ({
      ...(raw ? { RawMessageDelivery: 'true' } : {}),
      ...(sub.filterPolicy
        ? { FilterPolicy: sub.filterPolicy, FilterPolicyScope: sub.filterPolicyScope ?? 'MessageAttributes' }
        : {}),
    });
    const engines: ProvisionEngines = {
      createTable: (name, props) => createTable(dynamodbClient, name, props),
      createQueue: (name, props) => createQueue(fauxqs, name, region, props),
      lambda,
      registerFunction: (config) => lambda.register(localFunction(config)),
      publishVersion: (functionName, key) => {
        const known = versionsByKey.get(key);
        if (known?.name === functionName && lambda.lookup(functionName, known.version)) return known;
        const latest = lambda.lookup(functionName);
        if (!latest) return undefined;
        const fn = lambda.publishVersion(functionName, (version) =>
          localFunction({ ...latest.config, version, arn: `${latest.config.arn}:${version}` }),
        );
        const published = { name: functionName, version: fn.config.version as string, arn: fn.config.arn };
        versionsByKey.set(key, published);
        return published;
      },
      setAlias: (functionName, alias, version) => lambda.setAlias(functionName, alias, version),
      registerStateMachine: (machine) => stepFunctions.register(machine),
      createTopic: (name, attributes) => ({
        arn: fauxqs.createTopic(name, { region, attributes }).topicArn,
      }),
      subscribe: async (sub) => {
        if (sub.protocol === 'sqs') {
          return {
            arn: await subscribeQueue(
              fauxqs.address,
              region,
              sub.topicArn,
              sub.endpoint,
              subscriptionAttributes(sub, sub.rawMessageDelivery),
            ),
          };
        }
        // SNS invokes a function asynchronously: the topic fans out to a hidden queue (the emulator
        // applies the filter policy there) that a delivery loop turns into Lambda invocations.
        const fn = lambda.get(sub.endpoint);
        const digest = createHash('sha256').update(`${sub.topicArn} ${fn.config.name}`).digest('hex');
        const hidden = createQueue(fauxqs, `stepsaga-sns-${digest.slice(0, 16)}`, region, {
          VisibilityTimeout: 1,
        });
        const arn = await subscribeQueue(
          fauxqs.address,
          region,
          sub.topicArn,
          hidden.arn,
          subscriptionAttributes(sub, false),
        );
        return {
          arn,
          start: () => {
            const delivery = new LambdaSubscription(
              {
                subscriptionArn: arn,
                topicArn: sub.topicArn,
                functionName: fn.config.name,
                queueUrl: hidden.url,
              },
              { sqs: sqsClient, lambda, pollIntervalMs, onLog },
            );
            delivery.start();
            return delivery;
          },
        };
      },
      addEventBus: (name) => eventBridge.addBus(name),
      addEventRule: (rule) => eventBridge.addRule(rule),

      validateDefinition: (definition) => {
        new StateMachine(definition as never, { validationOptions: { checkArn: false } });
      },
      startMapping: (mapping) => {
        const poller = mapping.eventSourceArn.startsWith('arn:aws:sqs:')
          ? new SqsPoller(mapping, {
              region,
              lambda,
              sqs: sqsClient,
              queueUrl: queueUrl(mapping.eventSourceArn) ?? '',
              queueName: index.all.find((r) => r.arn === mapping.eventSourceArn)?.name ?? '',
              faults,
              pollIntervalMs,
              onLog,
            })
          : new DynamoDbStreamPoller(mapping, {
              region,
              streams,
              lambda,
              sqs: sqsClient,
              queueUrl,
              pollIntervalMs,
              onLog,
              ...(persistence ? { checkpoints: persistence.checkpoints } : {}),
            });
        poller.start();
        return poller;
      },
      startSchedule: (rule) => {
        // A target EventBridge may not invoke never runs under enforcement, as on AWS.
        const schedule = iam
          ? {
              ...rule,
              targets: rule.targets.filter((t) =>
                iam?.allowsDelivery('events.amazonaws.com', rule, {
                  kind: 'function',
                  arn: t.arn ?? lambda.get(t.functionName).config.arn,
                }),
              ),
            }
          : rule;
        const runner = new ScheduleRunner(schedule, {
          region,
          accountId,
          lambda,
          rateDivisor: scheduleRateDivisor,
          onLog,
        });
        runner.start();
        log(
          'debug',
          `schedule ${schedule.name}: ${schedule.expression}, every ${runner.localPeriodMs} ms locally, invokes ${schedule.targets.map((t) => t.functionName).join(', ')}`,
        );
        return runner;
      },
    };
    const context: ProvisionContext = {
      region,
      accountId,
      options,
      assembly,
      index,
      engines,
      unrunnable: new Map(),
      resolver: resolverOf,
      where,
      register: addResource,
      problem: (message) => problems.push(message),
      log,
      onLog,
      whenStarted: (start) => starts.push(start),
    };
    await timings.track(
      'provisioning (tables, queues, functions, state machines)',
      runProvisioners(entries, context),
    );
    log('debug', `resources provisioned at ${Date.now() - startedAt} ms`);
    if (iamMode !== 'off') {
      iam = new LocalIam({
        mode: iamMode,
        region,
        accountId,
        stacks: assembly.stacks,
        resolver: (stack) => resolvers.get(stack.stackName) as IntrinsicResolver,
        constructPath: (stack, logicalId) => assembly.constructPaths.get(`${stack}/${logicalId}`),
        resources: () => index.all,
        onLog,
        executionOfToken: (token) => tokens.executionOf(token),
      });
      for (const entry of entries) {
        if (entry.resource.Type !== 'AWS::Lambda::EventSourceMapping') continue;
        if (!index.get(entry.stack.stackName, entry.logicalId)) continue;
        try {
          const props = resolverOf(entry).resolve(entry.resource.Properties ?? {}, entry.logicalId) as Record<
            string,
            unknown
          >;
          const fn = lambda.lookup(String(props.FunctionName));
          const destination = (
            props.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined
          )?.OnFailure?.Destination;
          const refused =
            fn &&
            iam.checkMapping({
              where: where(entry),
              functionArn: fn.config.arn,
              eventSourceArn: String(props.EventSourceArn),
              ...(destination ? { onFailureDestination: destination } : {}),
            });
          if (refused) problems.push(refused);
        } catch {
          // Its provisioner reported what is wrong with it.
        }
      }
    }

    if (problems.length > 0) throw new LocalCloudStartError(problems);

    timings.measure('event sources and schedules', () => {
      for (const start of starts) pollers.push(start());
    });

    applyAssembly = async (next) => {
      const began = Date.now();
      const diffs = diffAssemblies(current, next);
      const diffOf = new Map(diffs.map((d) => [key(d.stack, d.logicalId), d]));
      resolvers.clear();
      for (const stack of next.stacks)
        resolvers.set(stack.stackName, new IntrinsicResolver(stack, resolverEnv));
      const reloadProblems: string[] = [];
      const toProvision: ProvisionEntry[] = [];
      for (const stack of next.stacks) {
        for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
          const path = next.constructPaths.get(key(stack.stackName, logicalId));
          const entry: ProvisionEntry = { stack, logicalId, resource, ...(path ? { path } : {}) };
          if (
            resource.Condition &&
            !resolverOf(entry).condition(resource.Condition, `${logicalId}.Condition`)
          )
            continue;
          if (isIgnoredType(resource.Type)) {
            resolved.set(
              key(stack.stackName, logicalId),
              placeholder(resource.Type, logicalId, stack.stackName, region, accountId),
            );
            continue;
          }
          const change = diffOf.get(key(stack.stackName, logicalId))?.change;
          // Code and definitions are replaced (every function, so that none runs from a folder
          // of an older assembly); data stays: a table or queue is only ever created.
          if (REPLACED_ON_RELOAD.has(resource.Type)) toProvision.push(entry);
          else if (CREATED_ON_RELOAD.has(resource.Type) && change === 'added') toProvision.push(entry);
        }
      }
      const reloadContext: ProvisionContext = {
        ...context,
        assembly: next,
        unrunnable: new Map(),
        problem: (message) => reloadProblems.push(message),
        whenStarted: () => {},
      };
      await runProvisioners(
        toProvision,
        reloadContext,
        PROVISIONERS.filter((p) =>
          p.types.some((t) => REPLACED_ON_RELOAD.has(t) || CREATED_ON_RELOAD.has(t)),
        ),
      );
      current = next;
      return {
        changes: reloadChanges(diffs, index, {
          replaced: REPLACED_ON_RELOAD,
          created: CREATED_ON_RELOAD,
        }),
        problems: reloadProblems,
        durationMs: Date.now() - began,
      };
    };
    if (faultPlan?.rules) for (const rule of faultPlan.rules) faults.inject(rule);
    if (persistence) {
      const resumed = stepFunctions.restore(persistence.restored);
      log(
        'info',
        `persisting to ${persistence.dir.root}: ${persistence.restored.length} execution(s) restored, ${resumed} resumed`,
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const startupMs = Date.now() - startedAt;
  if (StartupTimings.requested()) {
    log('info', `start-up phases (from the start of startLocalCloud):\n${timings.format().join('\n')}`);
  }
  log(
    'info',
    `local cloud ready in ${startupMs} ms: ${index.all.map((r) => `${r.kind} ${r.name}`).join(', ')}`,
  );
  return {
    region,
    accountId,
    dynamoDbEndpoint: dynamo.endpoint,
    sqsEndpoint: fauxqs.address,
    resources: index,
    stepFunctions,
    lambda,
    eventBridge,
    faults,
    invocationsInFlight: () => lambda.inFlight,
    get iamMode() {
      return iam?.mode ?? iamMode;
    },
    setIamMode(mode) {
      // JavaScript callers may pass anything; only warn and enforce can be switched to.
      if (!iam || !['warn', 'enforce'].includes(mode))
        throw new Error(
          `setIamMode switches between 'warn' and 'enforce' only, got ${JSON.stringify(mode)}; IAM was ${iamMode} at start ` +
            '(whether it is on decides how functions reach the engines, so it cannot change while running)',
        );
      if (iam.mode === mode) return;
      iam.mode = mode;
      // Calls are refused only on the way through the internal endpoint: workers restart routed anew.
      for (const fn of lambda.functions()) fn.recycle();
    },
    authorizeRequest: (call) => iam?.authorizeRequest(call),
    startupMs,
    consoleUrl: internalGateway?.consoleUrl ?? '',
    ...(persistence ? { persistDir: persistence.dir.root } : {}),
    setServiceEndpoint(service, url) {
      serviceEndpoints[service] = url;
      for (const fn of lambda.functions()) fn.recycle();
    },
    async reload(app, reloadOptions: ReloadOptions = {}) {
      if (stopped || !applyAssembly) throw new Error('the local cloud is stopped');
      // A published version keeps its code: copied out of assembly folders that a later synthesis
      // may prune (the synth cache keeps a few) before the next synthesis runs.
      keepVersionCode();
      const cache = reloadOptions.synthCache ?? options.synthCache;
      const next = await loadAssembly(app, cache ? new SynthCache(cache) : undefined);
      if (next.temporary || reloadOptions.removeOnStop) owned.push(next.directory);
      const report = await applyAssembly(next);
      for (const line of describeReload(report)) log(line.level, line.message);
      return report;
    },
    stop,
  };

  function keepVersionCode(): void {
    for (const { name, version, fn } of lambda.versions()) {
      if (versionCodeRoot && !relative(versionCodeRoot, fn.config.codeDir).startsWith('..')) continue;
      versionCodeRoot ??= mkdtempSync(join(tmpdir(), 'stepsaga-versions-'));
      const copy = join(versionCodeRoot, `${name}-${version}`);
      cpSync(fn.config.codeDir, copy, { recursive: true });
      lambda.replaceVersion(name, version, localFunction({ ...fn.config, codeDir: copy }));
    }
  }
}

/** Resources whose code or definition a reload replaces (running executions keep theirs). */
const REPLACED_ON_RELOAD = new Set([
  'AWS::Lambda::Function',
  'AWS::Lambda::Version',
  'AWS::Lambda::Alias',
  'AWS::StepFunctions::StateMachine',
]);
/** Resources holding data: a reload creates new ones and leaves existing ones (and their data) as they are. */
const CREATED_ON_RELOAD = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable', 'AWS::SQS::Queue']);

/**
 * The SQS SDK sends a request to the host of the queue URL it is given, whatever its endpoint: a
 * function's queue URLs name the endpoint that evaluates IAM instead of the emulator.
 */
function queueUrlsVia(
  environment: Readonly<Record<string, string>>,
  emulator: string,
  endpoint: string,
): Record<string, string> {
  // The emulator names queues by host names of its own (`sqs.<region>.localhost:<port>`): any URL
  // on its port is one of its queues.
  const port = new URL(emulator).port;
  return Object.fromEntries(
    Object.entries(environment).map(([name, value]) => {
      if (!/^http:\/\/[^/]+:\d+\/\d{12}\/[^/]+$/.test(value)) return [name, value];
      const url = new URL(value);
      return [name, url.port === port ? `${endpoint}${url.pathname}` : value];
    }),
  );
}

async function stopEngines(engines: PromiseSettledResult<DynamoDbLocal | FauxqsServer>[]): Promise<void> {
  await Promise.allSettled(engines.map((e) => (e.status === 'fulfilled' ? e.value.stop() : undefined)));
}
