/**
 * Runs the whole suite in two vitest processes side by side.
 *
 * Vitest runs a project whose files must go one at a time (e2e) only after every other file has
 * finished, on one worker, so on a 2-core machine the second core idles for the whole end-to-end
 * suite. The end-to-end files stay one at a time among themselves (each starts a local cloud); the
 * other lane runs unit, integration, package and the self-contained end-to-end files (`e2e-beside`)
 * one at a time beside them. Arguments after
 * `npm test --` go to a single plain `vitest run` instead, for running a few files.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface Lane {
  readonly name: string;
  readonly args: readonly string[];
}

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));

const lanes: readonly Lane[] = [
  { name: 'e2e', args: ['run', '--project', 'e2e'] },
  {
    name: 'rest',
    args: [
      'run',
      '--project',
      'unit',
      '--project',
      'integration',
      '--project',
      'package',
      '--project',
      'e2e-beside',
      '--maxWorkers',
      '1',
    ],
  },
];

function runLane(lane: Lane, prefixed: boolean): Promise<{ lane: string; code: number; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [vitest, ...lane.args], {
      stdio: ['ignore', prefixed ? 'pipe' : 'inherit', prefixed ? 'pipe' : 'inherit'],
      env: process.env,
    });
    if (prefixed && child.stdout && child.stderr) {
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          process.stdout.write(`[${lane.name}] ${line}\n`);
        });
      }
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({
        lane: lane.name,
        code: code ?? (signal ? 1 : 0),
        seconds: Math.round((Date.now() - started) / 1000),
      });
    });
  });
}

async function main(): Promise<number> {
  const extra = process.argv.slice(2);
  if (extra.length > 0) {
    return (await runLane({ name: 'vitest', args: ['run', ...extra] }, false)).code;
  }
  const results = await Promise.all(lanes.map((lane) => runLane(lane, true)));
  process.stdout.write('\n');
  for (const result of results) {
    process.stdout.write(
      `${result.lane.padEnd(5)} ${result.code === 0 ? 'passed' : `FAILED (exit ${result.code})`} in ${result.seconds} s\n`,
    );
  }
  return results.every((result) => result.code === 0) ? 0 : 1;
}

process.exitCode = await main();
