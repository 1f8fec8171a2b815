import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface CommandResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs a command to its end and returns its exit code and combined output. */
export function run(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Throws with the command's output unless it exited 0. */
export async function runOk(
  command: string,
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number },
): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code} in ${options.cwd}:\n${result.output.slice(-6000)}`,
    );
  }
  return result.output;
}

/** Packs the repository as `npm publish` would (prepack builds dist/) and returns the tarball path. */
export async function packRepository(): Promise<string> {
  const destination = mkdtempSync(join(tmpdir(), 'stepsaga-pack-'));
  const output = await runOk('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: repositoryRoot,
  });
  const json = output.slice(output.indexOf('[\n'));
  const [packed] = JSON.parse(json) as [{ filename: string }];
  return join(destination, packed.filename);
}

/** The exact version of a development dependency of this repository, so new apps test what we test. */
export function repositoryVersionOf(name: string): string {
  const manifest = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const version = manifest.devDependencies[name] ?? manifest.dependencies[name];
  if (!version) throw new Error(`${name} is not a dependency of stepsaga`);
  return version;
}

/**
 * Starts `stepsaga local up` on a free port in `cwd` and resolves with the endpoint once it is ready.
 */
export function startLocalUp(
  cwd: string,
  extraArgs: readonly string[] = [],
): Promise<{ endpoint: string; process: ChildProcess; output: () => string }> {
  // The installed bin itself, not through npx: npx does not pass Ctrl-C on to the command it runs.
  const args = ['local', 'up', '--port', '0', ...extraArgs];
  const child = spawn(join(cwd, 'node_modules', '.bin', 'stepsaga'), args, {
    cwd,
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const endpoint = /Endpoint: (http:\/\/\S+)/.exec(output)?.[1];
      if (endpoint) resolve({ endpoint, process: child, output: () => output });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) =>
      reject(new Error(`stepsaga local up exited ${code} before it was ready:\n${output}`)),
    );
  });
}

/** Stops a `local up` started by {@link startLocalUp} with Ctrl-C and waits for it to exit. */
export async function stopLocalUp(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}
