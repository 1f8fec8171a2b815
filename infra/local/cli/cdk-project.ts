import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CliUsageError } from './state-machines.js';

/** A CDK project as the CDK CLI sees it: the folder of `cdk.json`, its `app` and its context. */
export interface CdkProject {
  readonly root: string;
  /** The `app` of `cdk.json`: a command that synthesizes into `CDK_OUTDIR`, or an assembly folder. */
  readonly app: string;
  /** `cdk.json`'s `context`, overlaid with `cdk.context.json` as the CDK CLI does. */
  readonly context: Readonly<Record<string, unknown>>;
}

function readJsonObject(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliUsageError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CliUsageError(`${file} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Reads `cdk.json` from `directory` (the CDK CLI reads it from the working directory only, so this
 * does not search parent folders). Undefined when there is none.
 */
export function readCdkProject(directory: string): CdkProject | undefined {
  const file = join(directory, 'cdk.json');
  if (!existsSync(file)) return undefined;
  const config = readJsonObject(file);
  const app = config.app;
  if (typeof app !== 'string' || app.trim() === '') {
    throw new CliUsageError(
      `${file} has no "app" command (got ${JSON.stringify(app)}). Add e.g. "app": "npx tsx bin/app.ts", or pass --app.`,
    );
  }
  const contextFile = join(directory, 'cdk.context.json');
  const context = {
    ...(typeof config.context === 'object' && config.context
      ? (config.context as Record<string, unknown>)
      : {}),
    ...(existsSync(contextFile) ? readJsonObject(contextFile) : {}),
  };
  return { root: resolve(directory), app, context };
}

/** A cdk.json `app` may name an existing cloud assembly folder instead of a command, as with the CDK CLI. */
export function assemblyFolderOf(project: CdkProject): string | undefined {
  const candidate = resolve(project.root, project.app);
  return existsSync(join(candidate, 'manifest.json')) ? candidate : undefined;
}

const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Runs the project's app command the way `cdk synth` does: in the project folder, through the shell,
 * with `CDK_OUTDIR` naming where to write the cloud assembly and `CDK_CONTEXT_JSON` carrying the
 * context. Returns the assembly folder (a new temporary folder the caller owns).
 */
export async function synthesizeProject(project: CdkProject): Promise<string> {
  const outdir = mkdtempSync(join(tmpdir(), 'stepsaga-assembly-'));
  const output: string[] = [];
  const exitCode = await new Promise<number | null>((resolveExit, reject) => {
    const child = spawn(project.app, {
      cwd: project.root,
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        // As the CDK CLI does: construct paths in the template metadata name resources in the output.
        CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:enable-path-metadata': true, ...project.context }),
      },
    });
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', resolveExit);
  });
  const printed = output.join('').trim();
  if (exitCode !== 0 || !existsSync(join(outdir, 'manifest.json'))) {
    rmSync(outdir, { recursive: true, force: true });
    const tail = printed.length > OUTPUT_TAIL_CHARS ? `...${printed.slice(-OUTPUT_TAIL_CHARS)}` : printed;
    throw new CliUsageError(
      exitCode !== 0
        ? `The app command "${project.app}" (from ${join(project.root, 'cdk.json')}) failed with exit code ${exitCode}:\n${tail}`
        : `The app command "${project.app}" (from ${join(project.root, 'cdk.json')}) exited without writing a cloud assembly to CDK_OUTDIR; does the app call app.synth()?\n${tail}`,
    );
  }
  return outdir;
}

/** The folder holding `cdk.json` for a project whose entry file is `entry`, if any (for cache roots). */
export function projectRootOf(entry: string): string {
  let dir = dirname(resolve(entry));
  for (;;) {
    if (existsSync(join(dir, 'cdk.json')) || existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return dirname(resolve(entry));
    dir = parent;
  }
}
