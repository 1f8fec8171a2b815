import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Runs every benchmark in turn, each in its own process so that one's engines and workers never
 * share the machine with another's. Each prints its own table; results and methods are recorded in
 * bench/README.md. Pass names to run a subset: `npm run bench -- participant relay`.
 */
const BENCHMARKS = ['participant', 'local-cloud', 'relay'] as const;

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(BENCHMARKS as readonly string[]).includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${BENCHMARKS.join(', ')}.`);
  process.exit(2);
}
const selected = requested.length > 0 ? requested : [...BENCHMARKS];

let failed = 0;
for (const name of selected) {
  console.log(`\n=== bench/${name}.ts`);
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const result = spawnSync(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed += 1;
    console.error(`bench/${name}.ts exited with ${result.status ?? result.signal}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
