/**
 * What a user ships: the size of a participant's Lambda bundle as the Participant construct builds
 * it (NodejsFunction, esbuild, minified), with the AWS SDK left to the Lambda runtime (the default)
 * and bundled (`bundleAwsSdk: true`), and the size and file count of the npm tarball.
 *
 * Run: `npx tsx bench/package-size.ts` (packs the repository, which builds dist/ first).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Participant } from '../infra/constructs/participant/participant.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const examples = join(root, 'functions', 'examples');
const PARTICIPANT_GOAL_BYTES = 250 * 1024;

const HANDLERS = {
  'Inventory (saga, zod/mini schema)': join(examples, 'inventory', 'handler.ts'),
  'DebitAccounts (TCC, zod/mini schema)': join(examples, 'accounts', 'debit-handler.ts'),
  'OrderHistory (inbox consumer)': join(examples, 'order-events', 'handler.ts'),
} as const;

function bundleBytes(entry: string, bundleAwsSdk: boolean): number {
  // A fresh assembly per measurement: an assembly folder keeps the assets of earlier synths.
  const outdir = mkdtempSync(join(tmpdir(), 'stepsaga-bundle-size-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'Size');
  new Participant(stack, 'P', { entry, bundleAwsSdk });
  const assembly = app.synth();
  const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
  let total = 0;
  for (const asset of assets) {
    const dir = join(assembly.directory, asset);
    for (const file of readdirSync(dir)) {
      // What Lambda loads; the source map only matters when an error is printed.
      if (!file.endsWith('.map')) total += statSync(join(dir, file)).size;
    }
  }
  rmSync(outdir, { recursive: true, force: true });
  return total;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

const rows: string[][] = [];
for (const [name, entry] of Object.entries(HANDLERS)) {
  const external = bundleBytes(entry, false);
  const bundled = bundleBytes(entry, true);
  rows.push([
    name,
    `${kib(external)} ${external <= PARTICIPANT_GOAL_BYTES ? '(within 250 KiB)' : '(over 250 KiB)'}`,
    kib(bundled),
  ]);
}

const packed = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }),
) as [{ size: number; unpackedSize: number; entryCount: number }];
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

console.log('Participant bundle (index.mjs, minified; source map not counted)');
console.log('| participant | AWS SDK from the Lambda runtime (default) | AWS SDK bundled (bundleAwsSdk) |');
console.log('|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`\nnpm tarball stepsaga-${version}.tgz`);
console.log('| packed | unpacked | files |');
console.log('|---|---|---|');
console.log(`| ${kib(packed[0].size)} | ${kib(packed[0].unpackedSize)} | ${packed[0].entryCount} |`);
