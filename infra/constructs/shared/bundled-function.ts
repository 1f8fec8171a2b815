import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledgeRuntimePin, acknowledgeTracingWildcard } from './inherent-findings.js';

/**
 * ESM output cannot `require`; some bundled CommonJS dependencies still do, so give them one.
 * The alias keeps the name from clashing with an import of the same name in user code.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __stepsagaCreateRequire } from 'node:module'; const require = __stepsagaCreateRequire(import.meta.url);";

/** Options of {@link createBundledFunction}. */
export interface BundledFunctionOptions {
  /** Absolute path of the handler module. */
  readonly entry: string;
  /**
   * The exported name of the handler.
   * @default 'handler'
   */
  readonly handler?: string;
  /** @default lambda.Runtime.NODEJS_22_X */
  readonly runtime?: lambda.Runtime;
  /** Describes the role, and the function unless `describeFunction` is false. */
  readonly description: string;
  /** @default true */
  readonly describeFunction?: boolean;
  /**
   * Lambda's JSON log format (structured platform and application logs).
   * @default true
   */
  readonly jsonLogs?: boolean;
  /**
   * Bundle the AWS SDK v3 into the function instead of using the one the Node.js Lambda runtime
   * provides. Bundling pins the SDK version the code was tested with; leaving it out keeps the bundle
   * small (a participant is under 100 KiB instead of about 400 KiB), which shortens cold starts, and
   * is what NodejsFunction does by default.
   * @default false
   */
  readonly bundleAwsSdk?: boolean;
  readonly serviceName: string;
  readonly environment: Record<string, string>;
  readonly timeout: Duration;
  readonly memorySize: number;
  readonly logRetention: logs.RetentionDays;
  /**
   * Options of the version `fn.currentVersion` publishes, for a function whose callers invoke its
   * versions.
   * @default CDK's (a version the next deploy deletes)
   */
  readonly currentVersionOptions?: lambda.VersionOptions;
}

/** What {@link createBundledFunction} creates: the function, its role and its log group. */
export interface BundledFunction {
  readonly function: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
}

/**
 * A stepsaga function (a participant or a system function): Node 22 on arm64, ESM bundle with the
 * AWS SDK inside, X-Ray tracing, its own log group with a retention, and its own role that may write
 * only to that log group (instead of AWSLambdaBasicExecutionRole, whose grant covers every log group
 * of the account). `POWERTOOLS_SERVICE_NAME` and `NODE_OPTIONS` override the given environment.
 */
export function createBundledFunction(scope: Construct, options: BundledFunctionOptions): BundledFunction {
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: options.logRetention });
  const role = new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: options.description,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [logGroup.logGroupArn],
    }),
  );
  const fn = new nodejs.NodejsFunction(scope, 'Function', {
    entry: options.entry,
    handler: options.handler ?? 'handler',
    ...(options.describeFunction === false ? {} : { description: options.description }),
    runtime: options.runtime ?? lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: options.memorySize,
    timeout: options.timeout,
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
    ...(options.jsonLogs === false ? {} : { loggingFormat: lambda.LoggingFormat.JSON }),
    role,
    ...(options.currentVersionOptions ? { currentVersionOptions: options.currentVersionOptions } : {}),
    environment: {
      ...options.environment,
      POWERTOOLS_SERVICE_NAME: options.serviceName,
      NODE_OPTIONS: '--enable-source-maps',
    },
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: 'node22',
      mainFields: ['module', 'main'],
      externalModules: options.bundleAwsSdk ? [] : ['@aws-sdk/*'],
      banner: ESM_REQUIRE_BANNER,
      minify: true,
      sourceMap: true,
      sourcesContent: false,
      // esbuild's per-bundle size report is noise in synth and local-cloud output; warnings still show.
      logLevel: nodejs.LogLevel.WARNING,
    },
  });
  // The log group exists before the function first writes to it; no role may create it instead.
  fn.node.addDependency(logGroup);
  if (options.runtime === undefined) acknowledgeRuntimePin(fn);
  acknowledgeTracingWildcard(role);
  return { function: fn, role, logGroup };
}

export const DEFAULT_SYSTEM_FUNCTION_TIMEOUT = Duration.seconds(30);
