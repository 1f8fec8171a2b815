import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
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
import { IntrinsicResolver, type ResolvedResource } from './intrinsics.js';
import { LambdaService } from './lambda/lambda-service.js';
import { LocalFunction, type LocalFunctionConfig } from './lambda/local-function.js';
import { unsupportedNodeMessage } from './node-version.js';
import { type LocalPersistence, openLocalPersistence } from './persistence/local-persistence.js';
import {
  describeNotEmulated,
  isIgnoredType,
  type ProvisionContext,
  type ProvisionEngines,
  type ProvisionEntry,
  placeholder,
  provisionerFor,
  type Running,
  runProvisioners,
  type TopicSubscription,
} from './provisioners/index.js';
import { ResourceIndex } from './resource-index.js';
import { subscribeQueue } from './sns/emulator-subscribe.js';
import { LambdaSubscription } from './sns/lambda-subscription.js';
import { importSqsEmulator, startSqsEmulatorOnLoopback } from './sqs-emulator-module.js';
import { createQueue } from './sqs-queues.js';
import { TaskTokens } from './stepfunctions/task-tokens.js';
import { SynthCache } from './synth-cache.js';
import type { LocalCloud, LocalCloudOptions, LocalLogLine, LocalResource } from './types.js';

/**
 * Synthesizes a CDK app and runs it on local engines: DynamoDB Local, the fauxqs SQS emulator,
 * Lambda functions in worker threads, state machines on the aws-local-stepfunctions interpreter,
 * and event source mappings as pollers. Start-up fails with every problem listed when the app uses
 * something that cannot run locally (an unbound Task, JSONata, an unsupported resource reference).
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const unsupportedNode = unsupportedNodeMessage(process.versions.node);
  if (unsupportedNode) throw new LocalCloudStartError([unsupportedNode.trim()], 'Unsupported Node.js');
  const startedAt = Date.now();
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const onLog = options.onLog ?? (() => {});
  const scheduleRateDivisor = options.scheduleRateDivisor ?? 1;
  if (!(Number.isFinite(scheduleRateDivisor) && scheduleRateDivisor > 0)) {
    throw new Error(`scheduleRateDivisor must be a positive number, got ${scheduleRateDivisor}`);
  }
  // Read before anything starts, so that a malformed plan fails fast with nothing to clean up.
  const faultPlan = options.faults ?? faultPlanFromEnv();
  const log = (level: LocalLogLine['level'], message: string) =>
    onLog({ timestamp: Date.now(), source: 'cloud', level, message });
  // Locked and checked before any engine opens the folder: a refused folder is left as it was.
  const persistence: LocalPersistence | undefined = options.persist
    ? await openLocalPersistence(options.persist)
    : undefined;

  // Engines start while the app synthesizes: DynamoDB Local dominates the start-up time.
  const timed = <T>(what: string, promise: Promise<T>) =>
    promise.then((value) => {
      log('debug', `${what} took ${Date.now() - startedAt} ms`);
      return value;
    });
  const dynamoPromise = timed(
    'DynamoDB Local start',
    startDynamoDbLocal({
      onWarning: (message) => log('warn', message),
      ...(persistence ? { dbPath: persistence.dir.dynamoDbDir } : {}),
    }),
  );
  const assemblyPromise = timed(
    'synth',
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
      Promise.all([
        importSqsEmulator(),
        import('aws-local-stepfunctions'),
        import('./stepfunctions/stepfunctions-service.js'),
      ]),
    );
  const enginesPromise = Promise.allSettled([
    dynamoPromise,
    timed(
      'SQS emulator start',
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
  const stepFunctions: InstanceType<typeof StepFunctionsService> = new StepFunctionsService(
    {
      region,
      accountId,
      lambda,
      dynamodb: dynamodbClient,
      sqs: sqsClient,
      tokens,
      retryIntervalDivisor: options.retryIntervalDivisor ?? 1,
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
    (target, text) => deliverEvent(target, text),
    onLog,
  );
  // EventBridge invokes functions and starts executions asynchronously; a failure is the target's.
  const deliverEvent = async (target: EventTarget, text: string): Promise<void> => {
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
  const pollers: Array<{ stop(): Promise<void> }> = [];
  let internalGateway: Gateway | undefined;

  let stopped = false;
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
    if (assembly.temporary) rmSync(assembly.directory, { recursive: true, force: true });
    persistence?.release();
  };

  try {
    // Every SDK client in a local function (Step Functions, Lambda, and any service without an
    // engine of its own) reaches this cloud through a loopback endpoint, never real AWS, whether or
    // not the caller also hosts a public gateway.
    internalGateway = await startGateway(
      {
        region,
        dynamoDbEndpoint: dynamo.endpoint,
        sqsEndpoint: fauxqs.address,
        stepFunctions,
        lambda,
        eventBridge,
      },
      { port: 0 },
    );
    for (const service of ['sfn', 'lambda', 'default'] as const) {
      serviceEndpoints[service] = internalGateway.endpoint;
    }
    if (faultPlan) {
      faultProxy = await startDynamoDbFaultProxy(dynamo.endpoint, faults, onLog);
      faults.dynamoDbProxy = true;
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
        else if (isIgnoredType(resource.Type)) {
          // Ignored resources still resolve, so that a reference to (say) a role ARN does not fail.
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
      registerFunction: (config) =>
        lambda.register(
          new LocalFunction(config, {
            maxWorkers: options.maxConcurrencyPerFunction ?? 4,
            onLog,
            baseEnvironment: (c) => baseEnvironment(c),
            ...(options.functionEnvironment ? { environmentOverrides: options.functionEnvironment } : {}),
          }),
        ),
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
      startSchedule: (schedule) => {
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
    await runProvisioners(entries, context);
    log('debug', `resources provisioned at ${Date.now() - startedAt} ms`);

    if (problems.length > 0) throw new LocalCloudStartError(problems);

    function baseEnvironment(config: LocalFunctionConfig): Record<string, string> {
      return {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
        LANG: 'en_US.UTF-8',
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_SESSION_TOKEN: 'local',
        AWS_LAMBDA_FUNCTION_NAME: config.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.memorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${config.name}`,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        LAMBDA_TASK_ROOT: config.codeDir,
        AWS_ENDPOINT_URL_DYNAMODB: faultProxy?.endpoint ?? dynamo.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB_STREAMS: dynamo.endpoint,
        AWS_ENDPOINT_URL_SQS: fauxqs.address,
        ...(serviceEndpoints.sfn ? { AWS_ENDPOINT_URL_SFN: serviceEndpoints.sfn } : {}),
        ...(serviceEndpoints.lambda ? { AWS_ENDPOINT_URL_LAMBDA: serviceEndpoints.lambda } : {}),
        ...(serviceEndpoints.default ? { AWS_ENDPOINT_URL: serviceEndpoints.default } : {}),
      };
    }

    for (const start of starts) pollers.push(start());
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
    startupMs,
    ...(persistence ? { persistDir: persistence.dir.root } : {}),
    setServiceEndpoint(service, url) {
      serviceEndpoints[service] = url;
      for (const fn of lambda.functions()) fn.recycle();
    },
    stop,
  };
}

async function stopEngines(engines: PromiseSettledResult<DynamoDbLocal | FauxqsServer>[]): Promise<void> {
  await Promise.allSettled(engines.map((e) => (e.status === 'fulfilled' ? e.value.stop() : undefined)));
}
