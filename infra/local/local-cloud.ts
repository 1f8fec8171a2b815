import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { FauxqsServer } from 'fauxqs';
import { type CfnResource, type LoadedAssembly, loadAssembly, type StackTemplate } from './cloud-assembly.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { createTable, type TableProperties } from './dynamodb-tables.js';
import { LocalCloudStartError } from './errors.js';
import { DynamoDbStreamPoller } from './event-sources/dynamodb-stream-poller.js';
import { planEventRule } from './event-sources/event-rule.js';
import type { EventSourceMappingConfig } from './event-sources/event-source-mapping.js';
import { parseFilterCriteria } from './event-sources/filter-criteria.js';
import { localPeriod, type ScheduleRuleConfig, ScheduleRunner } from './event-sources/schedule-rules.js';
import { SqsPoller } from './event-sources/sqs-poller.js';
import { StreamsApi } from './event-sources/streams-api.js';
import { type DynamoDbFaultProxy, startDynamoDbFaultProxy } from './faults/dynamodb-fault-proxy.js';
import { faultPlanFromEnv } from './faults/parse-fault-plan.js';
import { Faults } from './faults.js';
import { type Gateway, startGateway } from './gateway/index.js';
import { IntrinsicResolver, type ResolvedResource } from './intrinsics.js';
import { LambdaService } from './lambda/lambda-service.js';
import { LocalFunction, type LocalFunctionConfig } from './lambda/local-function.js';
import { physicalName, referencedLogicalIds } from './naming.js';
import { ResourceIndex } from './resource-index.js';
import { importSqsEmulator, startSqsEmulatorOnLoopback } from './sqs-emulator-module.js';
import { createQueue } from './sqs-queues.js';
import { AslValidationCache } from './stepfunctions/asl-validation-cache.js';
import { analyzeDefinition } from './stepfunctions/definition.js';
import { TaskTokens } from './stepfunctions/task-tokens.js';
import { SynthCache } from './synth-cache.js';
import type { LocalCloud, LocalCloudOptions, LocalLogLine, LocalResource } from './types.js';

/** Resource types with no local behaviour that matters to an app's logic; skipped silently. */
const IGNORED_TYPE_PREFIXES = [
  'AWS::IAM::',
  'AWS::Logs::',
  'AWS::CloudWatch::',
  'AWS::CDK::Metadata',
  'AWS::KMS::',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::Version',
  'AWS::XRay::',
  'AWS::ApplicationAutoScaling::',
  'AWS::SSM::Parameter',
];

const EMULATED_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::SQS::Queue',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventSourceMapping',
  'AWS::StepFunctions::StateMachine',
  'AWS::Events::Rule',
]);

interface Entry {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly resource: CfnResource;
  readonly path?: string;
}

/**
 * Synthesizes a CDK app and runs it on local engines: DynamoDB Local, the fauxqs SQS emulator,
 * Lambda functions in worker threads, state machines on the aws-local-stepfunctions interpreter,
 * and event source mappings as pollers. Start-up fails with every problem listed when the app uses
 * something that cannot run locally (an unbound Task, JSONata, an unsupported resource reference).
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
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

  // Engines start while the app synthesizes: DynamoDB Local dominates the start-up time.
  const timed = <T>(what: string, promise: Promise<T>) =>
    promise.then((value) => {
      log('debug', `${what} took ${Date.now() - startedAt} ms`);
      return value;
    });
  const dynamoPromise = timed(
    'DynamoDB Local start',
    startDynamoDbLocal({ onWarning: (message) => log('warn', message) }),
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
      modulesPromise.then(([{ startFauxqs }]) =>
        startSqsEmulatorOnLoopback(startFauxqs, { port: 0, logger: false, defaultRegion: region }),
      ),
    ),
  ]);
  let assembly: LoadedAssembly;
  try {
    assembly = await assemblyPromise;
  } catch (error) {
    await stopEngines(await enginesPromise);
    throw error;
  }
  const [dynamoResult, fauxqsResult] = await enginesPromise;
  if (dynamoResult.status === 'rejected' || fauxqsResult.status === 'rejected') {
    await stopEngines([dynamoResult, fauxqsResult]);
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
  const resolverOf = (entry: Entry) => resolvers.get(entry.stack.stackName) as IntrinsicResolver;
  const problems: string[] = [];
  const where = (entry: Entry) => entry.path ?? `${entry.stack.stackName}/${entry.logicalId}`;
  const addResource = (
    entry: Entry,
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
  const stepFunctions = new StepFunctionsService(
    { region, accountId, lambda, dynamodb: dynamodbClient, sqs: sqsClient, tokens },
    onLog,
  );
  const serviceEndpoints: Record<string, string> = {};
  const pollers: Array<{ stop(): Promise<void> }> = [];
  let internalGateway: Gateway | undefined;

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    stepFunctions.stopAll();
    await Promise.allSettled(pollers.map((p) => p.stop()));
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
  };

  try {
    // Every SDK client in a local function (Step Functions, Lambda, and any service without an
    // engine of its own) reaches this cloud through a loopback endpoint, never real AWS, whether or
    // not the caller also hosts a public gateway.
    internalGateway = await startGateway(
      { region, dynamoDbEndpoint: dynamo.endpoint, sqsEndpoint: fauxqs.address, stepFunctions, lambda },
      { port: 0 },
    );
    for (const service of ['sfn', 'lambda', 'default'] as const) {
      serviceEndpoints[service] = internalGateway.endpoint;
    }
    if (faultPlan) {
      faultProxy = await startDynamoDbFaultProxy(dynamo.endpoint, faults, onLog);
      faults.dynamoDbProxy = true;
    }
    const entries: Entry[] = [];
    const unsupported: string[] = [];
    for (const stack of assembly.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        const path = assembly.constructPaths.get(`${stack.stackName}/${logicalId}`);
        const entry: Entry = { stack, logicalId, resource, ...(path ? { path } : {}) };
        if (resource.Condition && !resolverOf(entry).condition(resource.Condition, `${logicalId}.Condition`))
          continue;
        if (EMULATED_TYPES.has(resource.Type)) entries.push(entry);
        else if (IGNORED_TYPE_PREFIXES.some((p) => resource.Type.startsWith(p))) {
          // Ignored resources still resolve, so that a reference to (say) a role ARN does not fail.
          resolved.set(
            key(stack.stackName, logicalId),
            placeholder(resource.Type, logicalId, stack.stackName, region, accountId),
          );
        } else unsupported.push(`${where(entry)} (${resource.Type})`);
      }
    }
    if (unsupported.length > 0) {
      log('warn', `not emulated, skipped (a reference to them fails start-up): ${unsupported.join(', ')}`);
    }
    const ofType = (...types: string[]) => entries.filter((e) => types.includes(e.resource.Type));

    // Tables.
    await Promise.all(
      ofType('AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable').map(async (entry) => {
        try {
          const resolver = resolverOf(entry);
          const props = entry.resource.Properties ?? {};
          const name =
            props.TableName !== undefined
              ? resolver.resolveString(props.TableName, `${entry.logicalId}.TableName`)
              : physicalName(entry.stack.stackName, entry.logicalId, 255);
          const tableProps = resolver.resolve(
            {
              KeySchema: props.KeySchema,
              AttributeDefinitions: props.AttributeDefinitions,
              GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
              LocalSecondaryIndexes: props.LocalSecondaryIndexes,
              StreamSpecification: props.StreamSpecification,
              TimeToLiveSpecification: props.TimeToLiveSpecification,
            },
            `${entry.logicalId}.Properties`,
          ) as TableProperties;
          const { streamArn } = await createTable(dynamodbClient, name, tableProps);
          const arn = `arn:aws:dynamodb:${region}:${accountId}:table/${name}`;
          addResource(entry, { kind: 'table', name, arn, ...(streamArn ? { streamArn } : {}) }, name, {
            Arn: arn,
            ...(streamArn ? { StreamArn: streamArn } : {}),
          });
        } catch (error) {
          problems.push(`table ${where(entry)}: ${(error as Error).message}`);
        }
      }),
    );
    log('debug', `tables created at ${Date.now() - startedAt} ms`);

    // Queues, dead-letter queues first.
    const queues = ofType('AWS::SQS::Queue');
    const queueIds = new Set(queues.map((q) => key(q.stack.stackName, q.logicalId)));
    const created = new Set<string>();
    let remaining = [...queues];
    while (remaining.length > 0) {
      const ready = remaining.filter((q) =>
        [...referencedLogicalIds(q.resource.Properties?.RedrivePolicy)].every((id) => {
          const k = key(q.stack.stackName, id);
          return !queueIds.has(k) || created.has(k);
        }),
      );
      const batch = ready.length > 0 ? ready : remaining;
      for (const entry of batch) {
        created.add(key(entry.stack.stackName, entry.logicalId));
        try {
          const resolver = resolverOf(entry);
          const { KmsMasterKeyId: _kms, Tags: _tags, ...raw } = entry.resource.Properties ?? {};
          const props = resolver.resolve(raw, `${entry.logicalId}.Properties`) as Record<string, unknown>;
          const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
          const name =
            typeof props.QueueName === 'string'
              ? props.QueueName
              : physicalName(entry.stack.stackName, entry.logicalId, 80, fifo ? '.fifo' : '');
          const { url, arn } = createQueue(fauxqs, name, region, props);
          addResource(entry, { kind: 'queue', name, arn, url }, url, {
            Arn: arn,
            QueueName: name,
            QueueUrl: url,
          });
        } catch (error) {
          problems.push(`queue ${where(entry)}: ${(error as Error).message}`);
        }
      }
      remaining = remaining.filter((q) => !batch.includes(q));
    }

    // Names and ARNs of functions and state machines first: they refer to each other.
    const functionEntries = ofType('AWS::Lambda::Function');
    const machineEntries = ofType('AWS::StepFunctions::StateMachine');
    for (const entry of functionEntries) {
      const props = entry.resource.Properties ?? {};
      const name =
        typeof props.FunctionName === 'string'
          ? props.FunctionName
          : physicalName(entry.stack.stackName, entry.logicalId, 64);
      const arn = `arn:aws:lambda:${region}:${accountId}:function:${name}`;
      addResource(entry, { kind: 'function', name, arn }, name, { Arn: arn });
    }
    for (const entry of machineEntries) {
      const props = entry.resource.Properties ?? {};
      const name =
        typeof props.StateMachineName === 'string'
          ? props.StateMachineName
          : physicalName(entry.stack.stackName, entry.logicalId, 80);
      const arn = `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
      addResource(entry, { kind: 'stateMachine', name, arn }, arn, {
        Arn: arn,
        Name: name,
        StateMachineRevisionId: 'local',
      });
    }

    // Functions.
    const unrunnable = new Map<string, string>();
    for (const entry of functionEntries) {
      const resource = index.get(entry.stack.stackName, entry.logicalId) as LocalResource;
      try {
        const config = functionConfig(entry, resource, resolverOf(entry), assembly);
        lambda.register(
          new LocalFunction(config, {
            maxWorkers: options.maxConcurrencyPerFunction ?? 4,
            onLog,
            baseEnvironment: (c) => baseEnvironment(c),
            ...(options.functionEnvironment ? { environmentOverrides: options.functionEnvironment } : {}),
          }),
        );
      } catch (error) {
        unrunnable.set(resource.name, `function ${where(entry)}: ${(error as Error).message}`);
      }
    }
    const isLocalFunction = (nameOrArn: string) => {
      const fn = lambda.lookup(nameOrArn);
      return fn !== undefined;
    };

    // State machines.
    const aslValidations = new AslValidationCache(
      options.synthCache
        ? join(resolvePath(options.synthCache.projectRoot ?? process.cwd()), '.stepsaga', 'asl-valid')
        : undefined,
      new Map(index.all.filter((r) => r.kind === 'queue' && r.url).map((r) => [r.url as string, r.arn])),
    );
    for (const entry of machineEntries) {
      const resource = index.get(entry.stack.stackName, entry.logicalId) as LocalResource;
      try {
        const resolver = resolverOf(entry);
        const props = entry.resource.Properties ?? {};
        let text =
          props.DefinitionString !== undefined
            ? resolver.resolveString(props.DefinitionString, `${entry.logicalId}.DefinitionString`)
            : JSON.stringify(resolver.resolve(props.Definition, `${entry.logicalId}.Definition`));
        const substitutions = resolver.resolve(
          props.DefinitionSubstitutions ?? {},
          `${entry.logicalId}.DefinitionSubstitutions`,
        ) as Record<string, unknown>;
        for (const [name, value] of Object.entries(substitutions))
          text = text.replaceAll(`\${${name}}`, () => String(value));
        const definition = JSON.parse(text) as Record<string, unknown>;
        const analyzed = analyzeDefinition(where(entry), definition, {
          isLocalFunction,
          retryIntervalDivisor: options.retryIntervalDivisor ?? 1,
        });
        problems.push(...analyzed.problems);
        if (analyzed.problems.length === 0 && !aslValidations.isKnownValid(text)) {
          try {
            new StateMachine(definition as never, { validationOptions: { checkArn: false } });
            aslValidations.rememberValid(text);
          } catch (error) {
            const message = (error as Error).message;
            // The interpreter's validator reports real ASL errors with this prefix; anything else
            // is the validator tripping over valid ASL it does not know, which must not block.
            if (message.startsWith('State machine definition is invalid'))
              problems.push(`state machine ${where(entry)}: ${message}`);
            else log('debug', `ASL validation of ${where(entry)} skipped: ${message}`);
          }
        }
        for (const binding of analyzed.tasks.values()) {
          if (binding.kind === 'lambda-function') {
            const reason = unrunnable.get(lambda.lookup(binding.functionName)?.config.name ?? '');
            if (reason) problems.push(reason);
          }
        }
        const type = props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
        stepFunctions.register({
          stack: entry.stack.stackName,
          logicalId: entry.logicalId,
          name: resource.name,
          arn: resource.arn,
          type,
          roleArn:
            typeof props.RoleArn === 'string'
              ? props.RoleArn
              : `arn:aws:iam::${accountId}:role/${resource.name}-role`,
          definition: text,
          analyzed,
          creationDate: Date.now(),
          ...(typeof definition.TimeoutSeconds === 'number'
            ? { timeoutSeconds: definition.TimeoutSeconds }
            : {}),
        });
      } catch (error) {
        problems.push(`state machine ${where(entry)}: ${(error as Error).message}`);
      }
    }

    log('debug', `functions and state machines ready at ${Date.now() - startedAt} ms`);

    // Event source mappings.
    const mappings: EventSourceMappingConfig[] = [];
    for (const entry of ofType('AWS::Lambda::EventSourceMapping')) {
      try {
        const resolver = resolverOf(entry);
        const props = resolver.resolve(
          entry.resource.Properties ?? {},
          `${entry.logicalId}.Properties`,
        ) as Record<string, unknown>;
        if (props.Enabled === false) continue;
        const fn = lambda.lookup(String(props.FunctionName));
        if (!fn) {
          problems.push(
            unrunnable.get(String(props.FunctionName)) ??
              `event source mapping ${where(entry)}: function ${String(props.FunctionName)} is not a function of the app`,
          );
          continue;
        }
        const uuid = crypto.randomUUID();
        const eventSourceArn = String(props.EventSourceArn);
        const isQueue = eventSourceArn.startsWith('arn:aws:sqs:');
        const destination = (props.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)
          ?.OnFailure?.Destination;
        const mapping: EventSourceMappingConfig = {
          uuid,
          stack: entry.stack.stackName,
          logicalId: entry.logicalId,
          functionName: fn.config.name,
          functionArn: fn.config.arn,
          eventSourceArn,
          batchSize: Number(props.BatchSize ?? (isQueue ? 10 : 100)),
          bisectBatchOnFunctionError: props.BisectBatchOnFunctionError === true,
          maximumRetryAttempts:
            props.MaximumRetryAttempts === undefined ? -1 : Number(props.MaximumRetryAttempts),
          maximumRecordAgeInSeconds:
            props.MaximumRecordAgeInSeconds === undefined ? -1 : Number(props.MaximumRecordAgeInSeconds),
          ...(destination ? { onFailureDestination: destination } : {}),
          reportBatchItemFailures:
            Array.isArray(props.FunctionResponseTypes) &&
            props.FunctionResponseTypes.includes('ReportBatchItemFailures'),
          filters: parseFilterCriteria(props.FilterCriteria, where(entry)),
          maximumConcurrency: Number(
            (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 2,
          ),
        };
        const arn = `arn:aws:lambda:${region}:${accountId}:event-source-mapping:${uuid}`;
        addResource(entry, { kind: 'eventSourceMapping', name: uuid, arn }, uuid, {
          Id: uuid,
          EventSourceMappingArn: arn,
        });
        if (!isQueue && !index.all.some((r) => r.streamArn === eventSourceArn)) {
          problems.push(
            `event source mapping ${where(entry)}: source ${eventSourceArn} is neither a local queue nor a local table stream`,
          );
          continue;
        }
        mappings.push(mapping);
      } catch (error) {
        problems.push(`event source mapping ${where(entry)}: ${(error as Error).message}`);
      }
    }

    // EventBridge rules: rate schedules run; the others are listed with why they never fire.
    const schedules: ScheduleRuleConfig[] = [];
    for (const entry of ofType('AWS::Events::Rule')) {
      const props = entry.resource.Properties ?? {};
      const name =
        typeof props.Name === 'string'
          ? props.Name
          : physicalName(entry.stack.stackName, entry.logicalId, 64);
      const arn = `arn:aws:events:${region}:${accountId}:rule/${name}`;
      try {
        const resolver = resolverOf(entry);
        const plan = planEventRule({
          name,
          arn,
          properties: props,
          resolve: (value, at) => resolver.resolve(value, `${entry.logicalId}.${at}`),
          functionNameOf: (fnArn) => {
            const fn = lambda.lookup(fnArn);
            if (fn) return fn.config.name;
            const reason = unrunnable.get(/:function:([^:]+)/.exec(fnArn)?.[1] ?? fnArn);
            if (reason) problems.push(reason);
            return undefined;
          },
        });
        const notRunReason =
          plan.notRunReason ??
          (options.runSchedules === false ? 'schedules are off (runSchedules: false)' : undefined);
        const localPeriodMs =
          plan.schedule && !notRunReason
            ? localPeriod(plan.schedule.periodMs, scheduleRateDivisor)
            : undefined;
        addResource(
          entry,
          {
            kind: 'eventRule',
            name,
            arn,
            eventRule: {
              trigger: plan.trigger,
              ...(localPeriodMs === undefined ? {} : { localPeriodMs }),
              ...(notRunReason ? { notRunReason } : {}),
            },
          },
          name,
          { Arn: arn },
        );
        for (const skipped of plan.skippedTargets) log('warn', `event rule ${where(entry)}: ${skipped}`);
        if (plan.notRunReason) {
          log(
            'warn',
            `event rule ${where(entry)} (${plan.trigger}) never fires locally: ${plan.notRunReason}`,
          );
        }
        if (plan.schedule && !notRunReason) schedules.push(plan.schedule);
      } catch (error) {
        problems.push(`event rule ${where(entry)}: ${(error as Error).message}`);
      }
    }

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

    const streams = new StreamsApi(dynamo.endpoint, region);
    const queueUrl = (arn: string) => index.all.find((r) => r.kind === 'queue' && r.arn === arn)?.url;
    const pollIntervalMs = options.pollIntervalMs ?? 100;
    for (const mapping of mappings) {
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
          });
      poller.start();
      pollers.push(poller);
    }
    for (const schedule of schedules) {
      const runner = new ScheduleRunner(schedule, {
        region,
        accountId,
        lambda,
        rateDivisor: scheduleRateDivisor,
        onLog,
      });
      runner.start();
      pollers.push(runner);
      log(
        'debug',
        `schedule ${schedule.name}: ${schedule.expression}, every ${runner.localPeriodMs} ms locally, invokes ${schedule.targets.map((t) => t.functionName).join(', ')}`,
      );
    }
    if (faultPlan?.rules) for (const rule of faultPlan.rules) faults.inject(rule);
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
    faults,
    invocationsInFlight: () => lambda.inFlight,
    startupMs,
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

function placeholder(
  type: string,
  logicalId: string,
  stack: string,
  region: string,
  accountId: string,
): ResolvedResource {
  const service = type.split('::')[1]?.toLowerCase() ?? 'local';
  const name = `${stack}-${logicalId}`;
  const arn = `arn:aws:${service}:${service === 'iam' ? '' : region}:${accountId}:${logicalId}/${name}`;
  return {
    ref: name,
    attributes: new Proxy({} as Record<string, string>, {
      get: (_t, prop) => (typeof prop === 'string' ? (prop === 'Arn' ? arn : `${name}-${prop}`) : undefined),
    }),
  };
}

function functionConfig(
  entry: Entry,
  resource: LocalResource,
  resolver: IntrinsicResolver,
  assembly: LoadedAssembly,
): LocalFunctionConfig {
  const props = entry.resource.Properties ?? {};
  const runtime = typeof props.Runtime === 'string' ? props.Runtime : '';
  if (!runtime.startsWith('nodejs')) {
    throw new Error(`runtime ${runtime || '(none)'} cannot run locally; only Node.js functions can`);
  }
  const code = (props.Code ?? {}) as Record<string, unknown>;
  let codeDir: string;
  if (code.ZipFile !== undefined) {
    codeDir = mkdtempSync(join(tmpdir(), 'stepsaga-inline-'));
    writeFileSync(
      join(codeDir, 'index.js'),
      resolver.resolveString(code.ZipFile, `${entry.logicalId}.Code.ZipFile`),
    );
    writeFileSync(join(codeDir, 'package.json'), '{"type":"commonjs"}');
  } else if (code.S3Key !== undefined) {
    const objectKey = resolver.resolveString(code.S3Key, `${entry.logicalId}.Code.S3Key`);
    const asset = assembly.assetsByObjectKey.get(objectKey);
    if (!asset || !existsSync(asset))
      throw new Error(`code asset ${objectKey} is not in the cloud assembly ${assembly.directory}`);
    if (!statSync(asset).isDirectory())
      throw new Error(
        `code asset ${asset} is a file; the local cloud runs only folder assets (lambda.Code.fromAsset(dir), NodejsFunction)`,
      );
    codeDir = asset;
  } else {
    throw new Error('has no Code.S3Key or Code.ZipFile (container images cannot run locally)');
  }
  const variables = resolver.resolve(
    (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
    `${entry.logicalId}.Properties.Environment.Variables`,
  ) as Record<string, unknown>;
  return {
    stack: entry.stack.stackName,
    logicalId: entry.logicalId,
    ...(entry.path ? { path: entry.path } : {}),
    name: resource.name,
    arn: resource.arn,
    codeDir,
    handler: typeof props.Handler === 'string' ? props.Handler : 'index.handler',
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
  };
}
