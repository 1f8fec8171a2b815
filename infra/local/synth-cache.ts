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
import { join, relative, resolve } from 'node:path';

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
}

const SOURCE_EXTENSIONS = /\.(ts|tsx|mts|cts|js|mjs|cjs|json)$/;
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'cdk.out', '.stepsaga', 'coverage', '.cache']);
const CONSTRUCT_PATHS_FILE = 'stepsaga-construct-paths.json';
const LAST_USED_FILE = 'stepsaga-last-used';

function sourceFiles(root: string, dir: string, found: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith('cdk.out'))
        sourceFiles(root, join(dir, entry.name), found);
    } else if (entry.isFile() && SOURCE_EXTENSIONS.test(entry.name)) {
      found.push(relative(root, join(dir, entry.name)));
    }
  }
}

/** The cache key: the project's source files (names and content), CDK_* settings and the Node version. */
export function synthCacheKey(name: string, projectRoot: string): string {
  const files: string[] = [];
  sourceFiles(projectRoot, projectRoot, files);
  files.sort();
  const hash = createHash('sha256');
  hash.update(`app ${name}\nnode ${process.version}\n`);
  for (const [name, value] of Object.entries(process.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (name.startsWith('CDK_') && name !== 'CDK_OUTDIR') hash.update(`env ${name}=${value}\n`);
  }
  for (const file of files) {
    hash.update(`file ${file}\n`);
    hash.update(readFileSync(join(projectRoot, file)));
  }
  return hash.digest('hex').slice(0, 32);
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

  constructor(options: SynthCacheOptions) {
    this.name = options.name;
    this.root = resolve(options.projectRoot ?? process.cwd());
    this.directory = resolve(options.directory ?? join(this.root, '.stepsaga', 'synth'));
    this.keep = options.keep ?? 3;
  }

  /** The cache key of the project as it is now (see {@link synthCacheKey}). */
  key(): string {
    return synthCacheKey(this.name, this.root);
  }

  /** The cached assembly stored under `key`, if there is one. */
  lookup(key: string): CachedAssembly | undefined {
    const dir = join(this.directory, key);
    if (!existsSync(join(dir, 'manifest.json'))) return undefined;
    writeFileSync(join(dir, LAST_USED_FILE), new Date().toISOString());
    const pathsFile = join(dir, CONSTRUCT_PATHS_FILE);
    const constructPaths = existsSync(pathsFile)
      ? new Map(Object.entries(JSON.parse(readFileSync(pathsFile, 'utf8')) as Record<string, string>))
      : new Map<string, string>();
    return { directory: dir, constructPaths };
  }

  /** Copies a fresh assembly into the cache; concurrent writers of the same key are harmless. */
  store(key: string, assemblyDir: string, constructPaths: ReadonlyMap<string, string>): string {
    const dir = join(this.directory, key);
    if (existsSync(join(dir, 'manifest.json'))) return dir;
    mkdirSync(this.directory, { recursive: true });
    const staging = join(this.directory, `.${key}.${process.pid}.${Date.now()}`);
    cpSync(assemblyDir, staging, { recursive: true });
    writeFileSync(join(staging, CONSTRUCT_PATHS_FILE), JSON.stringify(Object.fromEntries(constructPaths)));
    writeFileSync(join(staging, LAST_USED_FILE), new Date().toISOString());
    try {
      renameSync(staging, dir);
    } catch {
      // Another process stored the same key first; its copy is identical.
      rmSync(staging, { recursive: true, force: true });
    }
    this.prune(key);
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
