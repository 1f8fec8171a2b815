import type { SpawnSyncOptions, SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * How a package manager runs a local binary, as CDK's NodejsFunction spells it when esbuild is a
 * dependency of the project (`npx --no-install esbuild ...`, `yarn run esbuild ...`, ...).
 */
const RUNNER_PREFIXES: ReadonlyArray<{ readonly command: string; readonly args: readonly string[] }> = [
  { command: 'npx', args: ['--no-install', 'esbuild'] },
  { command: 'yarn', args: ['run', 'esbuild'] },
  { command: 'pnpm', args: ['exec', 'esbuild'] },
  { command: 'bun', args: ['run', 'esbuild'] },
];

/** The `node_modules/.bin/esbuild` a package manager would run from `cwd`: the nearest one above it. */
function localEsbuild(cwd: string): string | undefined {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '.bin', 'esbuild');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** The esbuild binary and its arguments when `command args` only launches the local esbuild. */
export function directEsbuildCommand(
  command: string,
  args: readonly string[],
  cwd: string,
): { readonly command: string; readonly args: string[] } | undefined {
  const runner = RUNNER_PREFIXES.find(
    (r) => r.command === command && r.args.every((arg, i) => args[i] === arg),
  );
  if (!runner) return undefined;
  const binary = localEsbuild(cwd);
  return binary ? { command: binary, args: args.slice(runner.args.length) } : undefined;
}

/**
 * Runs `work` (an in-process synth) with NodejsFunction's bundling commands sent straight to the
 * project's esbuild binary instead of through `npx`/`yarn`/`pnpm`/`bun`. The bundle is the same (same
 * binary, same arguments, same working folder and environment); what is skipped is the package
 * manager's own start-up, a Node.js process per function (0.5-1.5 s each, more on a loaded machine),
 * which was most of the time a cold synth took. CDK calls `child_process.spawnSync` synchronously
 * while the constructs are built, so swapping it for the duration of the synth is enough.
 */
export async function withDirectEsbuild<T>(work: () => Promise<T>): Promise<T> {
  const childProcess = createRequire(import.meta.url)('node:child_process') as {
    spawnSync: (
      command: string,
      args?: readonly string[],
      options?: SpawnSyncOptions,
    ) => SpawnSyncReturns<Buffer>;
  };
  const original = childProcess.spawnSync;
  const direct = (command: string, args?: readonly string[], options?: SpawnSyncOptions) => {
    const cwd = typeof options?.cwd === 'string' ? options.cwd : process.cwd();
    const swapped = Array.isArray(args) ? directEsbuildCommand(command, args, cwd) : undefined;
    return swapped ? original(swapped.command, swapped.args, options) : original(command, args, options);
  };
  childProcess.spawnSync = direct;
  try {
    return await work();
  } finally {
    if (childProcess.spawnSync === direct) childProcess.spawnSync = original;
  }
}
