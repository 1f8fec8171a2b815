import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * Runs AWS's DynamoDB Local jar as a child process.
 *
 * The jar comes from the `amplify-dynamodb-simulator` npm package, which is installed at set-up and
 * never committed (its licence forbids redistribution). Java 17+ must be on PATH or in JAVA_HOME.
 */
export interface DynamoDbLocalOptions {
  /** TCP port on 127.0.0.1. @default a free port chosen at start */
  readonly port?: number;
  /** How long to wait for the server to accept requests. @default 30_000 */
  readonly startTimeoutMs?: number;
  /**
   * One database for every access key and region (`-sharedDb`). Without it, DynamoDB Local keeps a
   * separate database per credential and region, so clients with other credentials see no tables.
   * @default true
   */
  readonly sharedDb?: boolean;
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

export function javaExecutable(): string {
  const fromHome = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : undefined;
  const candidate = fromHome && existsSync(fromHome) ? fromHome : 'java';
  const probe = spawnSync(candidate, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new DynamoDbLocalError(
      'DynamoDB Local needs Java 17 or newer, and no "java" was found on PATH or in JAVA_HOME. ' +
        'Install it (Debian: "apt-get install -y openjdk-17-jre-headless") and retry.',
    );
  }
  return candidate;
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
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new DynamoDbLocalError(`DynamoDB Local exited with code ${child.exitCode} during start-up`);
    }
    try {
      // Any HTTP answer (DynamoDB Local replies 400 to a bare GET) means the server is accepting requests.
      await fetch(endpoint, { signal: AbortSignal.timeout(500) });
      return;
    } catch {
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
  const child = spawn(
    java,
    [
      `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(jarDir, 'DynamoDBLocal.jar'),
      '-inMemory',
      '-disableTelemetry',
      ...(options.sharedDb === false ? [] : ['-sharedDb']),
      '-port',
      String(port),
    ],
    { cwd: jarDir, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  running.add(child);
  installExitHook();
  child.once('exit', () => running.delete(child));

  try {
    await waitUntilServing(endpoint, child, options.startTimeoutMs ?? 30_000);
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
