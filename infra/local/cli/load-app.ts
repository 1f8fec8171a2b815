import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { CliUsageError } from './state-machines.js';

/** What `startLocalCloud`'s `app` option takes: a factory, or a cloud assembly directory. */
export type AppSource = (() => App | Promise<App>) | string;

/** Export names tried, in order, for a function that builds the app. */
const FACTORY_EXPORTS = ['createApp', 'buildApp', 'default'];
const BUILDER_NAME = /^(create|build)\w*App$/;

function asApp(value: unknown, isApp: (x: unknown) => boolean): App | undefined {
  if (isApp(value)) return value as App;
  if (value && typeof value === 'object' && isApp((value as { app?: unknown }).app)) {
    return (value as { app: App }).app;
  }
  return undefined;
}

const TYPESCRIPT_ENTRY = /\.[cm]?tsx?$/;
/** This module runs as TypeScript only when a TypeScript loader is active already (the CLI from source). */
const LOADER_ACTIVE = TYPESCRIPT_ENTRY.test(new URL(import.meta.url).pathname);

/**
 * Imports the entry module. A TypeScript entry goes through tsx's scoped loader, so that the compiled
 * CLI (`npx stepsaga`) can import `bin/app.ts` and the `.js` specifiers it uses for its own `.ts`
 * files; tsx is loaded only here, so a synth-cache hit or a JavaScript entry never pays for it.
 */
async function importEntry(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (LOADER_ACTIVE || !TYPESCRIPT_ENTRY.test(path)) return (await import(url)) as Record<string, unknown>;
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
}

/**
 * Loads a CDK app entry module and returns how to build its app. The module should export a function
 * that builds the app and returns it (or `{ app }`): `createApp`, `buildApp`, a default export, or any
 * `build...App`/`create...App` function; or an `app` instance. A module that only has side effects must
 * call `app.synth()`: it is imported with `CDK_OUTDIR` pointing at a temporary directory, and that
 * cloud assembly is used.
 */
export async function loadAppSource(entry: string): Promise<AppSource> {
  const path = resolve(entry);
  if (!existsSync(path)) {
    throw new CliUsageError(
      `The app entry "${entry}" does not exist (resolved to ${path}). Pass --app <file>.`,
    );
  }
  // Imported here, not at the top: a synth-cache hit must not pay for loading aws-cdk-lib.
  const { App: CdkApp } = await import('aws-cdk-lib');
  const isApp = (x: unknown) => CdkApp.isApp(x);
  const outdir = mkdtempSync(join(tmpdir(), 'stepsaga-assembly-'));
  const previous = process.env.CDK_OUTDIR;
  process.env.CDK_OUTDIR = outdir;
  let module: Record<string, unknown>;
  try {
    module = await importEntry(path);
  } finally {
    if (previous === undefined) delete process.env.CDK_OUTDIR;
    else process.env.CDK_OUTDIR = previous;
  }

  // The temporary folder serves only a module that synthesizes when imported.
  const discardOutdir = () => rmSync(outdir, { recursive: true, force: true });
  const names = [...FACTORY_EXPORTS, ...Object.keys(module).filter((n) => BUILDER_NAME.test(n))];
  for (const name of names) {
    const candidate = module[name];
    if (typeof candidate !== 'function') continue;
    discardOutdir();
    return async () => {
      const built = asApp(await (candidate as () => unknown)(), isApp);
      if (!built) {
        throw new CliUsageError(
          `${entry}: export "${name}" did not return a CDK App (or an object with an "app" App).`,
        );
      }
      return built;
    };
  }
  const instance = asApp(module.app, isApp);
  if (instance) {
    discardOutdir();
    return () => instance;
  }
  if (existsSync(join(outdir, 'manifest.json'))) return outdir;
  discardOutdir();
  throw new CliUsageError(
    `${entry} neither exports a function that builds the CDK app (createApp, buildApp, default, or build...App) ` +
      'nor an "app" instance, nor calls app.synth() when imported. Export a factory, e.g. ' +
      '"export function createApp(): App { ... }".',
  );
}

/**
 * A factory that imports the entry module only when called, so that a synth-cache hit skips loading
 * the app (and aws-cdk-lib) entirely. The entry must export a factory; a module that only synthesizes
 * when imported cannot be cached and should go through {@link loadAppSource}.
 */
export function lazyAppFactory(entry: string): () => Promise<App> {
  const path = resolve(entry);
  if (!existsSync(path)) {
    throw new CliUsageError(
      `The app entry "${entry}" does not exist (resolved to ${path}). Pass --app <file>.`,
    );
  }
  return async () => {
    const source = await loadAppSource(entry);
    if (typeof source === 'string') {
      throw new CliUsageError(
        `${entry} synthesizes when imported instead of exporting a factory, so its assembly cannot be ` +
          'cached. Export "createApp()" returning the App, or pass --no-cache.',
      );
    }
    return source();
  };
}
