import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
import { LAUNCHER_CLASS, resolveLauncher } from './dynamodb-local-launcher.js';

/**
 * Runs AWS's DynamoDB Local jar as a child process.
 *
 * The jar comes from the `amplify-dynamodb-simulator` npm package, which is installed at set-up and
 * never committed (its licence forbids redistribution). Java 17+ must be on PATH or in JAVA_HOME.
 */
export interface DynamoDbLocalOptions {
  /** TCP port on 127.0.0.1. @default a free port chosen at start */
  readonly port?: number;
  /**
   * How long to wait for the server to accept requests. The JVM starts in a few seconds on an idle
   * machine but needs 20-35 s on a loaded one (parallel CI jobs, two cores shared by many processes).
   * @default 90_000
   */
  readonly startTimeoutMs?: number;
  /**
   * One database for every access key and region (`-sharedDb`). Without it, DynamoDB Local keeps a
   * separate database per credential and region, so clients with other credentials see no tables.
   * @default true
   */
  readonly sharedDb?: boolean;
  /**
   * A folder for the database file (`-dbPath`): tables, items and stream records survive a restart.
   * DynamoDB Local writes each request to its SQLite file before answering, so a killed process loses
   * nothing it acknowledged.
   * @default in memory (`-inMemory`)
   */
  readonly dbPath?: string;
  /**
   * Called when DynamoDB Local cannot be confined to loopback (no Java compiler to build the
   * launcher that binds it): it then listens on every interface, as the plain jar does.
   */
  readonly onWarning?: (message: string) => void;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

export class DynamoDbLocalError extends Error {
  override readonly name = 'DynamoDbLocalError';
}

/**
 * `-disableTelemetry` only stops the sending: DynamoDB Local still builds its telemetry client (an
 * AWS SDK v2 Cognito client and the region tables, about a second of class loading on an idle
 * machine) unless this variable, which AWS documents for the same purpose, is 0.
 */
const FAST_START_ENVIRONMENT = { DDB_LOCAL_TELEMETRY: '0' } as const;

/**
 * A local cloud lives for a test run or a working session, so the JVM is tuned to answer early rather
 * than to peak late. Measured on two idle cores, from spawn to the first answer: 4.2 s with none of
 * these, 2.1 s with the telemetry variable above, then
 * - 1.6 s: Log4j's simple logger instead of log4j-core, whose start-up scans plugins and registers
 *   JMX beans for logs nobody reads (stdout is discarded, stderr kept for a start-up failure);
 * - 1.2 s: the client compiler only. C2's compiler threads compete with the rest of the cloud for
 *   two cores during the first minutes, which is all most local runs last: the bench's raw
 *   TransactWriteItems rate did not drop (83-131 /s either way, noise), PlaceOrder rose;
 * - 0.95 s: no bytecode verification of DynamoDB Local's own jars, which run with full rights
 *   anyway (verification guards a JVM against code it does not trust, not against its own program).
 * `IgnoreUnrecognizedVMOptions` keeps a JVM that drops one of these flags starting.
 */
const FAST_START_JVM_OPTIONS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  '-XX:TieredStopAtLevel=1',
  '-XX:+UseSerialGC',
  '-XX:+UnlockDiagnosticVMOptions',
  '-XX:-BytecodeVerificationRemote',
  '-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory',
] as const;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills every jar this process started, even when the parent exits abruptly, so no Java process is orphaned. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export function dynamoDbLocalJarDir(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('amplify-dynamodb-simulator/package.json');
  const dir = join(dirname(packageJson), 'emulator');
  if (!existsSync(join(dir, 'DynamoDBLocal.jar'))) {
    throw new DynamoDbLocalError(
      `DynamoDB Local jar not found in ${dir}. Run "npm install" to fetch the amplify-dynamodb-simulator package.`,
    );
  }
  return dir;
}

/** An executable regular file (following links), as the shell would run it. */
function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The `java` to run: JAVA_HOME's, else the first on PATH. Found by looking at the file system, not
 * by running `java -version`: that probe started a JVM synchronously before anything else could
 * start (0.3-0.5 s of every start-up, more on a loaded machine). A `java` that is there but broken
 * still fails, when DynamoDB Local starts, with the JVM's own message.
 */
export function javaExecutable(): string {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined;
  if (fromHome && isExecutable(fromHome)) return fromHome;
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .map((dir) => join(dir, process.platform === 'win32' ? 'java.exe' : 'java'))
    .find(isExecutable);
  if (!onPath) {
    throw new DynamoDbLocalError(
      'DynamoDB Local needs Java 17 or newer, and no "java" was found on PATH or in JAVA_HOME. ' +
        'Install it (Debian: "apt-get install -y openjdk-17-jre-headless") and retry.',
    );
  }
  return onPath;
}

function whichSetpriv(): string | undefined {
  return ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not allocate a free port'));
      });
    });
  });
}

async function waitUntilServing(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new DynamoDbLocalError(`DynamoDB Local exited with code ${child.exitCode} during start-up`);
    }
    // The deadline is judged by when an attempt began: a synchronous synth can block this event loop
    // past it while the JVM starts, and one attempt after that must still find the server up.
    const attemptStartedAt = Date.now();
    try {
      // Any HTTP answer (DynamoDB Local replies 400 to a bare GET) means the server is accepting requests.
      await fetch(endpoint, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
      if (attemptStartedAt >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new DynamoDbLocalError(
    `DynamoDB Local did not accept requests on ${endpoint} within ${timeoutMs} ms`,
  );
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jarDir = dynamoDbLocalJarDir();
  const java = javaExecutable();
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const serverArgs = [
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
    '-disableTelemetry',
    ...(options.sharedDb === false ? [] : ['-sharedDb']),
    '-port',
    String(port),
    // Its default, '*', would let any web page in the browser read and write the tables; only its
    // own origin (it serves no pages) leaves browsers without access.
    '-cors',
    endpoint,
  ];
  const launcher = resolveLauncher(java);
  const jvmArgs = [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-Djava.net.preferIPv4Stack=true',
    ...FAST_START_JVM_OPTIONS,
  ];
  let command: string;
  let args: string[];
  if (launcher.kind === 'compiled') {
    command = java;
    args = [
      ...jvmArgs,
      '-cp',
      [launcher.classDir, join(jarDir, 'DynamoDBLocal.jar')].join(delimiter),
      LAUNCHER_CLASS,
      ...serverArgs,
    ];
  } else {
    options.onWarning?.(
      `DynamoDB Local listens on every network interface, not only 127.0.0.1, because ${launcher.reason}. ` +
        'Install a JDK (Debian: "apt-get install -y openjdk-17-jdk-headless") so that it can be bound to loopback.',
    );
    // The plain jar does not watch its standard input; the kernel's parent-death signal (Linux)
    // still ends it with the process that started it.
    const setpriv = process.platform === 'linux' ? whichSetpriv() : undefined;
    command = setpriv ?? java;
    args = [
      ...(setpriv ? ['--pdeathsig', 'KILL', '--', java] : []),
      ...jvmArgs,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      ...serverArgs,
    ];
  }
  // stdin is a pipe the launcher watches: when this process ends, however it ends, the pipe closes
  // and the JVM exits.
  const child = spawn(command, args, {
    cwd: jarDir,
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { ...process.env, ...FAST_START_ENVIRONMENT },
  });
  child.stdin?.on('error', () => {});
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  running.add(child);
  installExitHook();
  child.once('exit', () => running.delete(child));

  try {
    await waitUntilServing(endpoint, child, options.startTimeoutMs ?? 90_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw new DynamoDbLocalError(`${(error as Error).message}${stderr ? `\n${stderr}` : ''}`);
  }

  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
