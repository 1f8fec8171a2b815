import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ScaffoldDependency, scaffoldFiles } from './init-templates.js';
import { CliUsageError } from './state-machines.js';

export interface InitOptions {
  /** The folder to create the app in; it must be empty or not exist. */
  readonly directory: string;
  /** The app's npm package name. @default the folder's name */
  readonly name?: string;
  /** Write into a folder that already has files (existing files with the same names are replaced). */
  readonly force?: boolean;
  /**
   * The stepsaga dependency spec, e.g. a tarball (`file:../stepsaga-0.2.0.tgz`) to try a build.
   * @default `^<this stepsaga's version>`
   */
  readonly packageSpec?: string;
}

export interface InitResult {
  readonly directory: string;
  readonly files: readonly string[];
  readonly summary: string;
}

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

interface OwnManifest {
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/** stepsaga's own package.json: the versions a new app starts with are the ones this release was tested with. */
function ownManifest(): OwnManifest {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string } & OwnManifest;
      if (manifest.name === 'stepsaga') return manifest;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error("stepsaga's package.json was not found above the CLI; reinstall stepsaga");
    dir = parent;
  }
}

const SCAFFOLD_DEPENDENCIES: readonly ScaffoldDependency[] = [
  'aws-cdk-lib',
  'constructs',
  'zod',
  'aws-cdk',
  'typescript',
  'vitest',
  'tsx',
  '@types/node',
];

/**
 * Writes a new CDK app with one saga, two participants and a vitest test on the local cloud. Checks
 * everything before writing anything, so a refused init leaves the folder as it was.
 */
export function initApp(options: InitOptions): InitResult {
  const directory = resolve(options.directory);
  const name =
    options.name ??
    basename(directory)
      .toLowerCase()
      .replace(/[^a-z0-9._~-]+/g, '-');
  if (!NPM_NAME.test(name) || name.length > 214) {
    throw new CliUsageError(
      `"${name}" is not a valid npm package name for the new app: use lower-case letters, digits, "-", "." or "_" (e.g. --name my-sagas).`,
    );
  }
  if (existsSync(directory) && readdirSync(directory).length > 0 && !options.force) {
    throw new CliUsageError(
      `${directory} is not empty. stepsaga init writes a new app into an empty folder: pick another folder, or pass --force to write into this one.`,
    );
  }
  const manifest = ownManifest();
  const versions = Object.fromEntries(
    SCAFFOLD_DEPENDENCIES.map((dependency) => {
      const version = manifest.devDependencies?.[dependency] ?? manifest.dependencies?.[dependency];
      if (!version) throw new Error(`stepsaga's package.json lists no version of ${dependency}`);
      return [dependency, version];
    }),
  ) as Record<ScaffoldDependency, string>;
  const files = scaffoldFiles({
    name,
    stepsaga: options.packageSpec ?? `^${manifest.version}`,
    versions,
  });
  for (const [path, content] of Object.entries(files)) {
    const target = join(directory, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  const where = relative(process.cwd(), directory) || '.';
  const cd = where === '.' ? '' : `cd ${where} && `;
  return {
    directory,
    files: Object.keys(files),
    summary: [
      `Created ${name} in ${directory}: a PlaceOrder saga with Inventory and Payment participants.`,
      '',
      `  ${cd}npm install`,
      '  npm test      # the saga on the local cloud',
      '  npm start     # the local cloud at http://127.0.0.1:4566',
    ].join('\n'),
  };
}
