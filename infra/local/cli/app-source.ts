import { existsSync, rmSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { SynthCache, type SynthCacheOptions } from '../synth-cache.js';
import {
  assemblyFolderOf,
  type CdkProject,
  projectRootOf,
  readCdkProject,
  synthesizeProject,
} from './cdk-project.js';
import { type AppSource, lazyAppFactory, loadAppSource } from './load-app.js';
import { CliUsageError } from './state-machines.js';

/** How `local up` will obtain the app, and what to print about it. */
export interface LocalAppPlan {
  readonly app: AppSource;
  /** Set when the app is built in-process from a factory and its assembly may be cached. */
  readonly synthCache?: SynthCacheOptions;
  readonly description: string;
  /** True when `app` is a cloud assembly folder synthesized for this plan, which nobody else removes. */
  readonly synthesizedAfresh?: boolean;
}

const IMPORTABLE_ENTRY = new Set(['.ts', '.mts', '.js', '.mjs']);

/**
 * Finds the app the way the CDK CLI does: `--app` if given (a TypeScript/JavaScript entry file, a
 * cloud assembly folder, or a command), else the `app` of `cdk.json` in `cwd`. A command is run with
 * `CDK_OUTDIR` and the project's context, exactly as `cdk synth` runs it; its assembly is reused while
 * the project's files are unchanged unless `cached` is false.
 */
export async function planLocalApp(options: {
  readonly app?: string;
  readonly cwd: string;
  readonly cached: boolean;
}): Promise<LocalAppPlan> {
  const { app, cwd, cached } = options;
  if (app !== undefined) {
    const path = resolve(cwd, app);
    if (existsSync(join(path, 'manifest.json'))) {
      return { app: path, description: `the cloud assembly in ${path}` };
    }
    if (existsSync(path) && IMPORTABLE_ENTRY.has(extname(path))) {
      if (!cached) return { app: await loadAppSource(path), description: app };
      return {
        app: lazyAppFactory(path),
        synthCache: { name: app, projectRoot: projectRootOf(path) },
        description: app,
      };
    }
    // "bin/app.ts" names a file, "npx tsx bin/app.ts" a command: a missing file is a typo, and run
    // as a command it would only fail later with the shell's "not found".
    if (!/\s/.test(app.trim()) && IMPORTABLE_ENTRY.has(extname(path))) {
      throw new CliUsageError(
        `The app entry "${app}" does not exist (resolved to ${path}). Pass --app <entry file | "command" | cloud assembly folder>.`,
      );
    }
    const fromProject = readCdkProject(cwd);
    return commandPlan({ root: resolve(cwd), app, context: fromProject?.context ?? {} }, cached);
  }
  const project = readCdkProject(cwd);
  if (!project) {
    throw new CliUsageError(
      `No cdk.json in ${resolve(cwd)} and no --app. Run stepsaga in the folder of your CDK app's cdk.json, ` +
        'or pass --app <entry file | "command" | cloud assembly folder>.',
    );
  }
  const folder = assemblyFolderOf(project);
  if (folder) return { app: folder, description: `the cloud assembly in ${folder} (cdk.json)` };
  return commandPlan(project, cached);
}

async function commandPlan(project: CdkProject, cached: boolean): Promise<LocalAppPlan> {
  const description = `"${project.app}" (${join(project.root, 'cdk.json')})`;
  if (!cached) return { app: await synthesizeProject(project), description, synthesizedAfresh: true };
  const cache = new SynthCache({ name: `command ${project.app}`, projectRoot: project.root });
  const key = cache.key();
  const hit = cache.lookup(key);
  if (hit) return { app: hit.directory, description: `${description}, unchanged since the last synth` };
  const fresh = await synthesizeProject(project);
  const stored = cache.store(key, fresh, new Map());
  rmSync(fresh, { recursive: true, force: true });
  return { app: stored, description };
}

/**
 * The folder `local up --watch` watches: the project of `--app`'s entry file, a cloud assembly
 * folder itself (something else synthesizes into it), else the folder of cdk.json.
 */
export function watchRootOf(options: { readonly app?: string; readonly cwd: string }): string {
  const { app, cwd } = options;
  if (app !== undefined) {
    const path = resolve(cwd, app);
    if (existsSync(join(path, 'manifest.json'))) return path;
    if (existsSync(path) && IMPORTABLE_ENTRY.has(extname(path))) return projectRootOf(path);
  }
  return readCdkProject(cwd)?.root ?? resolve(cwd);
}
