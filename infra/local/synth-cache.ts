import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * Reuses a synthesized cloud assembly while the sources that produced it are unchanged.
 *
 * Creating the constructs is what costs time (NodejsFunction bundles each handler with esbuild as it
 * is constructed), so the cache is consulted before the app factory runs, keyed by the content of
 * every source file under the project root. Any edit to code, config or the lockfile changes the key.
 */
export interface SynthCacheOptions {
  /**
   * Names the app within the project (e.g. its entry file, `infra/app.ts`). Different apps of one
   * project must use different names: the sources alone cannot tell two app factories apart.
   */
  readonly name: string;
  /** The project whose sources the app is built from. @default process.cwd() */
  readonly projectRoot?: string;
  /** Where cached assemblies live. @default `<projectRoot>/.stepsaga/synth` */
  readonly directory?: string;
  /** How many assemblies to keep; older ones are removed. @default 3 */
  readonly keep?: number;
  /**
   * The app's entry file. When it lies outside `projectRoot`, the sources of its own folder tree
   * (from the nearest package.json above it) are part of the key too. @default none
   */
  readonly entry?: string;
}

/** What else the key covers besides the project's sources; grows without changing the signature. */
export interface SynthCacheKeyOptions {
  /** See {@link SynthCacheOptions.entry}. */
  readonly entry?: string;
  /** More folders whose source files the app is built from (e.g. from cdk.json). */
  readonly sourceRoots?: readonly string[];
}

const SOURCE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs|json)$/;
/**
 * Test files by the naming every test runner uses. No CDK app or handler is built from one, and
 * editing a test must not cost the suite a fresh synth on its next run.
 */
const TEST_FILE = /\.(test|spec)\.[cm]?[jt]sx?$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'cdk.out', '.stepsaga', 'coverage', '.cache']);
const CONSTRUCT_PATHS_FILE = 'stepsaga-construct-paths.json';
const ENVIRONMENT_FILE = 'stepsaga-environment-read.json';
/** Variables that change between shells and test workers without changing any app. */
const VOLATILE_VARIABLES = /^(PWD|OLDPWD|SHLVL|_|INIT_CWD|COLUMNS|LINES|TERM.*|VITEST.*|npm_.*|CDK_OUTDIR)$/;
const LAST_USED_FILE = 'stepsaga-last-used';

function sourceFiles(root: string, dir: string, found: string[], entry?: string): void {
  for (const item of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(item.name) && !item.name.startsWith('cdk.out'))
        sourceFiles(root, path, found, entry);
    } else if (
      item.isFile() &&
      SOURCE_EXTENSIONS.test(item.name) &&
      (!TEST_FILE.test(item.name) || path === entry)
    ) {
      found.push(relative(root, path));
    }
  }
}

/** The folder a file's sources live in: the nearest folder above it with a package.json. */
function packageRootOf(file: string): string {
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(resolve(file));
  }
}

const isInside = (path: string, root: string) => path === root || path.startsWith(root + sep);

/**
 * The cache key: the project's source files (names and content) except test files other than the
 * entry, CDK_* settings and the Node version, plus the sources of an entry file outside the project
 * and of any other source roots.
 * Environment variables the app reads are not in it: {@link SynthCache} records those per
 * assembly and checks their values at lookup.
 */
export function synthCacheKey(name: string, projectRoot: string, options: SynthCacheKeyOptions = {}): string {
  const root = resolve(projectRoot);
  const entry = options.entry ? resolve(root, options.entry) : undefined;
  const roots = [root];
  if (entry && !isInside(entry, root)) roots.push(packageRootOf(entry));
  for (const extra of options.sourceRoots ?? []) {
    const dir = resolve(root, extra);
    if (!roots.some((r) => isInside(dir, r))) roots.push(dir);
  }
  const hash = createHash('sha256');
  hash.update(`app ${name}\nnode ${process.version}\n`);
  for (const [name, value] of Object.entries(process.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.startsWith('CDK_') && name !== 'CDK_OUTDIR') hash.update(`env ${name}=${value}\n`);
  }
  for (const sourceRoot of roots) {
    const files: string[] = [];
    sourceFiles(sourceRoot, sourceRoot, files, entry);
    files.sort();
    hash.update(`root ${sourceRoot === root ? '.' : sourceRoot}\n`);
    for (const file of files) {
      hash.update(`file ${file}\n`);
      hash.update(readFileSync(join(sourceRoot, file)));
    }
  }
  return hash.digest('hex').slice(0, 32);
}

/** Hashes the current values of the named variables (unset and empty differ). */
function environmentHash(names: readonly string[]): string {
  const hash = createHash('sha256');
  for (const name of [...names].sort()) {
    const value = process.env[name];
    hash.update(value === undefined ? `unset ${name}\n` : `env ${name}=${value}\n`);
  }
  return hash.digest('hex').slice(0, 12);
}

const THIS_FILE = import.meta.url;

/**
 * True when the code reading a variable is the app's own: not a dependency under node_modules (CDK
 * and its bundler read settings, and child_process copies the whole environment for every spawn),
 * and not Node itself.
 */
function readByApp(): boolean {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  for (const frame of frames) {
    const location = /\((.*):\d+:\d+\)$/.exec(frame)?.[1] ?? /at (.*):\d+:\d+$/.exec(frame)?.[1] ?? '';
    if (location === '' || location.includes(THIS_FILE) || location.endsWith('synth-cache.ts')) continue;
    if (location.startsWith('node:') || location.includes('/node_modules/')) return false;
    return true;
  }
  return false;
}

/**
 * Runs `work` with `process.env` reads recorded, so that the cache can tell which variables an app
 * depends on (a stage name, an account id, a feature flag) without hashing the whole environment.
 */
export async function recordEnvironmentReads<T>(
  work: () => Promise<T>,
): Promise<{ result: T; names: string[] }> {
  const target = process.env;
  const names = new Set<string>();
  const note = (name: string | symbol) => {
    if (typeof name !== 'string' || VOLATILE_VARIABLES.test(name) || names.has(name)) return;
    if (readByApp()) names.add(name);
  };
  process.env = new Proxy(target, {
    get(env, name, receiver) {
      note(name);
      return Reflect.get(env, name, receiver);
    },
    has(env, name) {
      note(name);
      return Reflect.has(env, name);
    },
  });
  try {
    return { result: await work(), names: [...names].sort() };
  } finally {
    process.env = target;
  }
}

export interface CachedAssembly {
  readonly directory: string;
  readonly constructPaths: ReadonlyMap<string, string>;
}

/** Cached cloud assemblies of an app factory, keyed by the project's sources (see {@link synthCacheKey}). */
export class SynthCache {
  private readonly name: string;
  private readonly root: string;
  private readonly directory: string;
  private readonly keep: number;
  private readonly entry: string | undefined;

  constructor(options: SynthCacheOptions) {
    this.name = options.name;
    // The name is usually the entry file itself (the CLI names the app by its --app path).
    const named = resolve(options.projectRoot ?? process.cwd(), options.name);
    this.entry = options.entry ?? (existsSync(named) && statSync(named).isFile() ? named : undefined);
    this.root = resolve(options.projectRoot ?? process.cwd());
    this.directory = resolve(options.directory ?? join(this.root, '.stepsaga', 'synth'));
    this.keep = options.keep ?? 3;
  }

  /** The cache key of the project as it is now (see {@link synthCacheKey}). */
  key(): string {
    return synthCacheKey(this.name, this.root, this.entry ? { entry: this.entry } : {});
  }

  /** The assembly stored under `key` whose recorded environment variables still have their values. */
  lookup(key: string): CachedAssembly | undefined {
    if (!existsSync(this.directory)) return undefined;
    const dir = readdirSync(this.directory)
      .filter((name) => name.startsWith(`${key}-`))
      .map((name) => join(this.directory, name))
      .find((candidate) => {
        const namesFile = join(candidate, ENVIRONMENT_FILE);
        if (!existsSync(join(candidate, 'manifest.json')) || !existsSync(namesFile)) return false;
        const names = JSON.parse(readFileSync(namesFile, 'utf8')) as string[];
        return candidate.endsWith(`-${environmentHash(names)}`);
      });
    if (!dir) return undefined;
    writeFileSync(join(dir, LAST_USED_FILE), new Date().toISOString());
    const pathsFile = join(dir, CONSTRUCT_PATHS_FILE);
    const constructPaths = existsSync(pathsFile)
      ? new Map(Object.entries(JSON.parse(readFileSync(pathsFile, 'utf8')) as Record<string, string>))
      : new Map<string, string>();
    return { directory: dir, constructPaths };
  }

  /** Copies a fresh assembly into the cache; concurrent writers of the same key are harmless. */
  store(
    key: string,
    assemblyDir: string,
    constructPaths: ReadonlyMap<string, string>,
    environmentRead: readonly string[] = [],
  ): string {
    const entry = `${key}-${environmentHash(environmentRead)}`;
    const dir = join(this.directory, entry);
    if (existsSync(join(dir, 'manifest.json'))) return dir;
    mkdirSync(this.directory, { recursive: true });
    const staging = join(this.directory, `.${entry}.${process.pid}.${Date.now()}`);
    cpSync(assemblyDir, staging, { recursive: true });
    writeFileSync(join(staging, CONSTRUCT_PATHS_FILE), JSON.stringify(Object.fromEntries(constructPaths)));
    writeFileSync(join(staging, ENVIRONMENT_FILE), JSON.stringify(environmentRead));
    writeFileSync(join(staging, LAST_USED_FILE), new Date().toISOString());
    try {
      renameSync(staging, dir);
    } catch {
      // Another process stored the same key first; its copy is identical.
      rmSync(staging, { recursive: true, force: true });
    }
    this.prune(entry);
    return dir;
  }

  private prune(current: string): void {
    const entries = readdirSync(this.directory, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== current)
      .map((e) => {
        const marker = join(this.directory, e.name, LAST_USED_FILE);
        return { name: e.name, used: existsSync(marker) ? statSync(marker).mtimeMs : 0 };
      })
      .sort((a, b) => b.used - a.used);
    for (const stale of entries.slice(Math.max(0, this.keep - 1))) {
      rmSync(join(this.directory, stale.name), { recursive: true, force: true });
    }
  }
}
