import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ParkedDecisionType } from '../../../functions/runtime/parked-decision.js';
import { OperatorError } from '../../operations/errors.js';
import { decideParkedSaga, getParkedSaga, listParkedSagas } from '../../operations/parked-sagas.js';
import { redriveExecution } from '../../operations/redrive.js';
import { DEFAULT_GATEWAY_PORT } from '../gateway/index.js';
import { TIMINGS_VARIABLE } from '../startup-timings.js';
import type { LocalLogLine } from '../types.js';
import { createSqsClient, describeRedrive, dlqListReport, dlqRedrive } from './dlq.js';
import { createSfnClient, explainConnectionError, resolveTarget, type Target } from './endpoint.js';
import { executionsTable } from './executions.js';
import { historyReport } from './history.js';
import { describeDecision, describeRedriveOutcome, parkedReport, parkedTable } from './parked.js';
import { readInputArgument, runSaga } from './run.js';
import { CliUsageError } from './state-machines.js';

const USAGE = `stepsaga — sagas on AWS serverless, locally or on AWS

Usage:
  stepsaga init [folder] [--name <app-name>] [--force] [--package-spec <spec>]
      Create a new CDK app with one saga, two participants and a test on the local cloud.
  stepsaga local up [--port ${DEFAULT_GATEWAY_PORT}] [--app <entry|command|assembly>] [--region us-east-1] [--verbose] [--no-cache] [--no-schedules]
                    [--persist <dir>] [--allow-origin <origin>]... [--allow-host <name>]... [--watch] [--timings] [--enforce-iam]
      Run the app on the local cloud behind one AWS-compatible endpoint, until Ctrl-C. The app is the
      "app" of cdk.json in the current folder, run as "cdk synth" runs it, unless --app names an entry
      file (built in-process), a command or a cloud assembly folder. By default everything is kept in
      memory: stopping it loses tables, queues and executions. --persist <dir> keeps them in <dir>
      instead, across restarts and crashes: running Standard executions resume where they were (a
      task in flight runs again), and a second local cloud on the same folder is refused. Every engine listens on 127.0.0.1 only; the
      endpoint refuses requests from web pages of other origins (--allow-origin http://localhost:3000
      lets one in, '*' all) and for host names other than loopback ones (--allow-host adds one). The
      synthesized app is cached in .stepsaga/synth while the project's files are unchanged, and
      definitions that passed ASL validation in .stepsaga/asl-valid; --no-cache re-synthesizes and
      re-validates.
      Scheduled EventBridge rules (rate(...)) run on their schedule; --no-schedules keeps them idle.
      --watch re-synthesizes when a file of the project changes (not node_modules, cdk.out, .stepsaga,
      .git, dist) and redeploys into the running cloud, as "cdk watch" does: functions get the new
      code and publish new versions, state machines the new definition; tables keep their items,
      queues their messages, and running executions the code and definition they started with.
      --timings (or STEPSAGA_TIMINGS=1) prints where start-up time went, phase by phase.
      The app's IAM policies are evaluated for every call its functions and state machines make: a
      call AWS would deny is warned about once per role, action and resource; --enforce-iam fails it
      with AccessDeniedException, as AWS does.
  stepsaga cost [SagaName] [--app <entry|command|assembly>] [--no-cache] [--duration-ms 100] [--json]
      Synthesize the app and print, per saga, the state transitions of its happy, worst compensating
      and worst parked paths, DynamoDB write units per participant action, and dollars per million
      sagas at the us-east-1 list prices in the dated price file (see docs/cost.md).
  stepsaga run <SagaName|StateMachineArn> --input <json|@file> [--name <sagaId>]
      Start an execution and print its timeline live. Exit code 0 if it succeeded, 1 otherwise.
  stepsaga executions [SagaName]
      List executions (of one saga, or of all state machines), newest first.
  stepsaga history <executionArn>
      Print an execution's event history and timeline.
  stepsaga dlq list [queue] [--messages]
      List dead-letter queues (queues that some queue's RedrivePolicy targets) with depth and source
      queues; --messages also prints up to 10 messages of each, leaving them in the queue.
  stepsaga dlq redrive <dlq> [--to <queue>]
      Move a dead-letter queue's messages back to its source queue (or --to): a message move task on
      AWS, a copy (receive, send, delete) on endpoints without one.
  stepsaga parked list [SagaName]
      List parked sagas (from the parked queues, which stay untouched) and whether each still waits
      for a decision.
  stepsaga parked show <sagaId|executionArn>
      The failed state, error, cause and time of one parked saga.
  stepsaga parked retry|skip|abandon <sagaId|executionArn> [--by <name>] [--note <text>]
      Decide: retry runs the failed state again, skip carries on as if it had succeeded (you fixed
      it by hand), abandon ends the saga as SagaParked. Removes its parked message.
  stepsaga redrive <executionArn>
      Step Functions RedriveExecution: rerun a failed, timed-out or aborted Standard execution from
      the state that did not succeed.

Where run, executions, history, dlq, parked and redrive send requests:
  default            the local endpoint: --endpoint-url, else AWS_ENDPOINT_URL, else http://127.0.0.1:${DEFAULT_GATEWAY_PORT}
  --aws              AWS itself, with the SDK's usual credentials and region
  --region <region>  region (default: AWS_REGION, else us-east-1 locally)

Exit codes: 0 success, 1 the saga did not succeed, 2 usage or connection error.
`;

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  aws: { type: 'boolean' },
  'endpoint-url': { type: 'string' },
  region: { type: 'string' },
  input: { type: 'string' },
  name: { type: 'string' },
  port: { type: 'string' },
  app: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  watch: { type: 'boolean', short: 'w' },
  'no-cache': { type: 'boolean' },
  'no-schedules': { type: 'boolean' },
  timings: { type: 'boolean' },
  persist: { type: 'string' },
  'allow-origin': { type: 'string', multiple: true },
  'allow-host': { type: 'string', multiple: true },
  'enforce-iam': { type: 'boolean' },
  messages: { type: 'boolean' },
  to: { type: 'string' },
  force: { type: 'boolean' },
  'package-spec': { type: 'string' },
  by: { type: 'string' },
  note: { type: 'string' },
  json: { type: 'boolean' },
  'duration-ms': { type: 'string' },
} as const;

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_GATEWAY_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliUsageError(`--port must be an integer between 0 and 65535, got "${raw}"`);
  }
  return port;
}

/** A repeatable option that also takes comma-separated values. */
function listOption(values: readonly string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

function printLog(line: LocalLogLine, verbose: boolean): void {
  if (!verbose && line.source !== 'cloud' && line.level !== 'warn' && line.level !== 'error') return;
  if (!verbose && line.source === 'cloud' && line.level === 'debug') return;
  const where = line.resource ? ` ${line.resource}` : '';
  err(`[${line.source}${where}] ${line.level === 'info' ? '' : `${line.level}: `}${line.message}`);
}

async function localUp(values: {
  port?: string;
  app?: string;
  region?: string;
  verbose?: boolean;
  'no-cache'?: boolean;
  'no-schedules'?: boolean;
  persist?: string;
  'allow-origin'?: string[];
  'allow-host'?: string[];
  watch?: boolean;
  timings?: boolean;
  'enforce-iam'?: boolean;
}): Promise<number> {
  if (values.timings) process.env[TIMINGS_VARIABLE] = '1';
  const began = Date.now();
  const port = parsePort(values.port);
  // DynamoDB Local's JVM is the slowest engine to start: it boots while the rest of the cloud's
  // modules load and the app is planned. A persisted cloud starts it on its own folder instead.
  const dynamoDbLocal =
    values.persist === undefined
      ? import('../dynamodb-local.js').then(({ startDynamoDbLocal }) =>
          startDynamoDbLocal({
            onWarning: (message) =>
              printLog({ timestamp: Date.now(), source: 'cloud', level: 'warn', message }, false),
          }),
        )
      : undefined;
  // Handled when the cloud adopts it; this only keeps an early failure from ending the process first.
  dynamoDbLocal?.catch(() => {});
  const abandonDynamoDbLocal = () => dynamoDbLocal?.then((d) => d.stop()).catch(() => {});
  let imported: [
    typeof import('./host.js'),
    typeof import('./app-source.js'),
    typeof import('./resources-table.js'),
  ];
  let plan: Awaited<ReturnType<typeof import('./app-source.js')['planLocalApp']>>;
  try {
    // Loaded on demand: the engines' modules are heavy and only `local up` needs them.
    imported = await Promise.all([
      import('./host.js'),
      import('./app-source.js'),
      import('./resources-table.js'),
    ]);
    out(
      values.app ? `Loading the CDK app from ${values.app} ...` : 'Synthesizing the CDK app of cdk.json ...',
    );
    plan = await imported[1].planLocalApp({
      app: values.app,
      cwd: process.cwd(),
      cached: !values['no-cache'],
    });
  } catch (error) {
    await abandonDynamoDbLocal();
    throw error;
  }
  const [{ hostLocalCloud }, , { resourcesTable }] = imported;
  out(`App: ${plan.description}`);
  out('Starting the local cloud (synth, DynamoDB Local, SQS emulator, state machines, functions) ...');
  // A signal during start-up must not kill the process before the engines can be stopped: that would
  // orphan DynamoDB Local's JVM. Note it, let start-up finish, then stop cleanly.
  let interrupted: NodeJS.Signals | undefined;
  const duringStartup = (signal: NodeJS.Signals) => {
    if (interrupted) {
      err(`${signal} again: exiting without waiting for a clean stop.`);
      process.exit(130);
    }
    interrupted = signal;
    out(`\n${signal}: stopping as soon as start-up reaches a point where it can stop cleanly ...`);
  };
  process.on('SIGINT', duringStartup);
  process.on('SIGTERM', duringStartup);
  let hosted: Awaited<ReturnType<typeof hostLocalCloud>>;
  try {
    hosted = await hostLocalCloud({
      app: plan.app,
      synthCache: plan.synthCache,
      port,
      region: values.region,
      runSchedules: !values['no-schedules'],
      ...(values.persist !== undefined ? { persist: values.persist } : {}),
      allowedOrigins: listOption(values['allow-origin']),
      allowedHosts: listOption(values['allow-host']),
      ...(values['enforce-iam'] ? { iam: 'enforce' as const } : {}),
      ...(dynamoDbLocal ? { dynamoDbLocal } : {}),
      onLog: (line) => printLog(line, values.verbose ?? false),
    });
  } finally {
    process.off('SIGINT', duringStartup);
    process.off('SIGTERM', duringStartup);
  }
  if (interrupted) {
    await hosted.stop();
    out('Stopped.');
    return 130;
  }
  const { cloud, gateway } = hosted;
  out(`Ready in ${((Date.now() - began) / 1000).toFixed(1)}s.\n`);
  out(
    cloud.persistDir
      ? `State: persisting to ${cloud.persistDir} (tables, queues and executions survive a restart)\n`
      : 'State: in memory (stopping the local cloud loses tables, queues and executions; --persist <dir> keeps them)\n',
  );
  out(resourcesTable(cloud.resources, gateway.endpoint));
  out(`\nEndpoint: ${gateway.endpoint}  (region ${cloud.region}; SigV4 signatures are not verified)`);
  out(`  export AWS_ENDPOINT_URL=${gateway.endpoint} AWS_REGION=${cloud.region}`);
  if (gateway.consoleUrl) out(`Console:  ${gateway.consoleUrl}  (this machine's browser only)`);
  out("  npx stepsaga run <SagaName> --input '{...}'");
  const watching = values.watch ? await watchAndReload(values.app, cloud) : undefined;
  out('Press Ctrl-C to stop.');

  return new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1;
      if (signals > 1) {
        err(`${signal} again: exiting without waiting for a clean stop.`);
        process.exit(130);
      }
      watching?.close();
      out(`\n${signal}: stopping the endpoint, workers, the SQS emulator and DynamoDB Local ...`);
      hosted.stop().then(
        () => {
          out('Stopped.');
          resolve(0);
        },
        (error: unknown) => {
          err(`Stopping failed: ${(error as Error).message}`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * `local up --watch`: on a change of the project's sources, synthesizes the app again (always
 * afresh: a cached assembly could be pruned while versions still run from it) and reloads it into
 * the running cloud, printing what changed. A failed synthesis leaves the cloud as it was.
 */
async function watchAndReload(
  app: string | undefined,
  cloud: Awaited<ReturnType<typeof import('./host.js')['hostLocalCloud']>>['cloud'],
): Promise<{ close(): void }> {
  const [{ watchSources }, { planLocalApp, watchRootOf }] = await Promise.all([
    import('./watch.js'),
    import('./app-source.js'),
  ]);
  const root = watchRootOf({ app, cwd: process.cwd() });
  out(`Watching ${root} for changes (node_modules, cdk.out and .stepsaga are left out).`);
  return watchSources(root, async (changed) => {
    // Editors write and remove temporary files around a save; name what is there now.
    const present = changed.filter((path) => existsSync(join(root, path)));
    const names = present.length > 0 ? present : changed;
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, +${names.length - 5} more` : '');
    out(`\nChanged: ${shown}. Synthesizing and reloading ...`);
    try {
      const plan = await planLocalApp({ app, cwd: process.cwd(), cached: false });
      // The reload prints its changes through the cloud's log.
      const report = await cloud.reload(plan.app, { removeOnStop: plan.synthesizedAfresh === true });
      if (report.problems.length > 0) err('Some changes could not be applied (see above); the rest were.');
    } catch (error) {
      err(`Reload failed, the cloud keeps running the previous synthesis: ${(error as Error).message}`);
    }
  });
}

async function clientCommand(
  target: Target,
  action: (client: SFNClient) => Promise<number>,
): Promise<number> {
  const client = createSfnClient(target);
  try {
    return await action(client);
  } catch (error) {
    const explained = explainConnectionError(error, target);
    if (explained) throw new CliUsageError(explained);
    throw error;
  } finally {
    client.destroy();
  }
}

async function sqsCommand(target: Target, action: (client: SQSClient) => Promise<number>): Promise<number> {
  const client = createSqsClient(target);
  try {
    return await action(client);
  } catch (error) {
    const explained = explainConnectionError(error, target);
    if (explained) throw new CliUsageError(explained);
    throw error;
  } finally {
    client.destroy();
  }
}

/** Both clients for the operator API; its refusals print as one line and exit with 1. */
async function operatorCommand(
  target: Target,
  action: (clients: { sfn: SFNClient; sqs: SQSClient }) => Promise<number>,
): Promise<number> {
  return clientCommand(target, (sfn) =>
    sqsCommand(target, async (sqs) => {
      try {
        return await action({ sfn, sqs });
      } catch (error) {
        if (!(error instanceof OperatorError)) throw error;
        err(`stepsaga: ${error.name}: ${error.message}`);
        return 1;
      }
    }),
  );
}

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command || command === 'help') {
    out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const target = resolveTarget({
    endpointUrl: values['endpoint-url'],
    aws: values.aws,
    region: values.region,
  });
  switch (command) {
    case 'init': {
      const { initApp } = await import('./init.js');
      const created = initApp({
        directory: rest[0] ?? '.',
        name: values.name,
        force: values.force,
        packageSpec: values['package-spec'],
      });
      out(created.summary);
      return 0;
    }
    case 'local': {
      if (rest[0] !== 'up')
        throw new CliUsageError(`Unknown "local" command "${rest[0] ?? ''}"; did you mean "local up"?`);
      return localUp(values);
    }
    case 'cost': {
      const { costReport } = await import('./cost.js');
      const duration = values['duration-ms'];
      if (duration !== undefined && !(Number(duration) > 0)) {
        throw new CliUsageError(`--duration-ms must be a positive number of milliseconds, got "${duration}"`);
      }
      out(
        await costReport({
          app: values.app,
          cwd: process.cwd(),
          cached: !values['no-cache'],
          ...(rest[0] !== undefined ? { saga: rest[0] } : {}),
          json: values.json ?? false,
          ...(duration !== undefined ? { assumptions: { lambdaDurationMs: Number(duration) } } : {}),
        }),
      );
      return 0;
    }
    case 'run': {
      const saga = rest[0];
      if (!saga)
        throw new CliUsageError(
          'run needs a saga name or state machine ARN: stepsaga run PlaceOrder --input @order.json',
        );
      const input = await readInputArgument(values.input);
      return clientCommand(target, async (client) => {
        const { outcome } = await runSaga(client, { saga, input, name: values.name }, out);
        return outcome.status === 'SUCCEEDED' ? 0 : 1;
      });
    }
    case 'executions':
      return clientCommand(target, async (client) => {
        out(await executionsTable(client, rest[0]));
        return 0;
      });
    case 'history': {
      const arn = rest[0];
      if (!arn)
        throw new CliUsageError(
          'history needs an execution ARN: stepsaga history arn:aws:states:...:execution:...',
        );
      return clientCommand(target, async (client) => {
        out(await historyReport(client, arn));
        return 0;
      });
    }
    case 'dlq': {
      const [sub, ref] = rest;
      if (sub === 'list') {
        return sqsCommand(target, async (sqs) => {
          out(await dlqListReport(sqs, { queue: ref, messages: values.messages ? 10 : 0 }));
          return 0;
        });
      }
      if (sub === 'redrive') {
        if (!ref)
          throw new CliUsageError(
            'dlq redrive needs a dead-letter queue: stepsaga dlq redrive <dlq> [--to <queue>]',
          );
        return sqsCommand(target, async (sqs) => {
          out(describeRedrive(await dlqRedrive(sqs, { dlq: ref, to: values.to })));
          return 0;
        });
      }
      throw new CliUsageError(`Unknown "dlq" command "${sub ?? ''}"; use "dlq list" or "dlq redrive".`);
    }
    case 'parked': {
      const [sub, ref] = rest;
      if (sub === 'list') {
        return operatorCommand(target, async (clients) => {
          out(parkedTable(await listParkedSagas(clients, { saga: ref })));
          return 0;
        });
      }
      if (sub === 'show' || sub === 'retry' || sub === 'skip' || sub === 'abandon') {
        if (!ref)
          throw new CliUsageError(
            `parked ${sub} needs a saga id or execution ARN: stepsaga parked ${sub} <sagaId>`,
          );
        return operatorCommand(target, async (clients) => {
          if (sub === 'show') {
            out(parkedReport(await getParkedSaga(clients, ref)));
            return 0;
          }
          const decision: ParkedDecisionType = sub;
          const parked = await decideParkedSaga(clients, {
            saga: ref,
            decision,
            ...(values.by !== undefined ? { by: values.by } : {}),
            ...(values.note !== undefined ? { note: values.note } : {}),
          });
          out(describeDecision(parked, decision));
          return 0;
        });
      }
      throw new CliUsageError(
        `Unknown "parked" command "${sub ?? ''}"; use "parked list", "show", "retry", "skip" or "abandon".`,
      );
    }
    case 'redrive': {
      const arn = rest[0];
      if (!arn)
        throw new CliUsageError(
          'redrive needs an execution ARN: stepsaga redrive arn:aws:states:...:execution:...',
        );
      return clientCommand(target, async (client) => {
        try {
          out(describeRedriveOutcome(await redriveExecution(client, arn)));
          return 0;
        } catch (error) {
          const name = (error as Error).name;
          if (
            name === 'ExecutionNotRedrivable' ||
            name === 'ExecutionDoesNotExist' ||
            name === 'InvalidArn'
          ) {
            err(`stepsaga: ${name}: ${(error as Error).message}`);
            return 1;
          }
          throw error;
        }
      });
    }
    default:
      throw new CliUsageError(`Unknown command "${command}". Run "stepsaga --help" for the commands.`);
  }
}

function isEntryModule(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs a command line and turns every failure into a message and exit code 2. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (
      error instanceof CliUsageError ||
      (error as Error).name === 'LocalCloudPersistError' ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      err(`stepsaga: ${(error as Error).message}`);
      return 2;
    }
    err(`stepsaga: ${(error as Error).stack ?? String(error)}`);
    return 2;
  }
}

if (isEntryModule()) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
