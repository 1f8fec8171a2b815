import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from 'aws-cdk-lib';
import { startLocalCloud } from '../infra/local/index.js';
import { ALL_FAULT_KINDS, DEFAULT_PROFILE } from '../test/campaign/arbitraries.js';
import {
  type CampaignFailure,
  describeFailure,
  emptyStats,
  mergeStats,
  runCampaign,
  statsTable,
} from '../test/campaign/campaign.js';
import { buildCampaignApp } from '../test/campaign/campaign-app.js';
import { campaignEnvironment, restartOnCrash } from '../test/campaign/environment.js';
import { MUTATIONS, type Mutation, mutatedAssembly } from '../test/campaign/mutants.js';

const USAGE = `npm run campaign -- [--executions 10000] [--seed N] [--runs-per-batch 50] [--mutant NAME] [--persist] [--trips-only] [--verbose] [--logs]

Runs the randomized fault campaign on the example app plus the campaign's HoldOrder saga (one local cloud, started once) until at
least --executions executions ran, in fast-check batches of --runs-per-batch runs; batch k uses seed
N + k, so a failure replays with --seed <its seed>. Prints a table at the end; exit code 1 on a
violation. --mutant runs the campaign against a deliberately broken copy of the participant
runtime (${Object.keys(MUTATIONS).join(', ')}) to show that the campaign catches the bug.
--persist runs the cloud with a persist folder (a new temporary one) and adds the cloud-crash fault:
a quarter of the runs stop the cloud at a random point of their executions (its execution journal
cut there) and start it again on the same folder before the invariants are checked.
--trips-only starts BookTrip executions only (to aim a mutant at the trip's participants).
--verbose prints a line per run, --logs the local cloud's warnings and errors.`;

const { values } = parseArgs({
  options: {
    executions: { type: 'string', default: '200' },
    seed: { type: 'string' },
    'runs-per-batch': { type: 'string', default: '50' },
    mutant: { type: 'string' },
    persist: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'trips-only': { type: 'boolean', default: false },
    logs: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const target = Number(values.executions);
const seed = values.seed === undefined ? Date.now() % 2_147_483_647 : Number(values.seed);
const perBatch = Number(values['runs-per-batch']);
if (
  !Number.isInteger(target) ||
  target < 1 ||
  !Number.isInteger(seed) ||
  !Number.isInteger(perBatch) ||
  perBatch < 1
) {
  console.error(`invalid arguments: ${JSON.stringify(values)}\n\n${USAGE}`);
  process.exit(2);
}
const mutant = values.mutant as Mutation | undefined;
if (mutant !== undefined && !(mutant in MUTATIONS)) {
  console.error(`unknown --mutant ${mutant}; known: ${Object.keys(MUTATIONS).join(', ')}`);
  process.exit(2);
}

const began = Date.now();
console.log(
  `fault campaign: at least ${target} executions, seed ${seed}${mutant ? `, mutant ${mutant}` : ''}`,
);
// A directory assembly carries construct paths only as template metadata, which the CLI enables.
const withPaths = () => buildCampaignApp(new App({ context: { 'aws:cdk:enable-path-metadata': true } }));
const app = mutant ? await mutatedAssembly(withPaths, mutant) : () => buildCampaignApp();
const persistDir = values.persist ? mkdtempSync(join(tmpdir(), 'stepsaga-campaign-')) : undefined;
const start = () =>
  startLocalCloud({
    app,
    retryIntervalDivisor: 50,
    faults: {},
    ...(mutant ? {} : { synthCache: { name: 'test/campaign/campaign-app.ts' } }),
    ...(persistDir ? { persist: persistDir } : {}),
    onLog: (line) => {
      if (values.logs && (line.level === 'warn' || line.level === 'error'))
        console.error(`[${line.source} ${line.resource ?? ''}] ${line.message}`);
    },
  });
const cloud = await start();
console.log(
  `local cloud ready in ${(cloud.startupMs / 1000).toFixed(1)} s${persistDir ? `, persisting to ${persistDir}` : ''}`,
);
const env = await campaignEnvironment(cloud);
let restarts = 0;
if (persistDir) {
  const restart = restartOnCrash(env, start);
  env.restartCloud = async () => {
    await restart();
    restarts += 1;
  };
}
const total = emptyStats();
let failure: CampaignFailure | undefined;
try {
  for (let batch = 0; total.executions < target && !failure; batch++) {
    const batchSeed = seed + batch;
    const result = await runCampaign(env, {
      seed: batchSeed,
      numRuns: perBatch,
      profile: {
        ...DEFAULT_PROFILE,
        faultKinds: ALL_FAULT_KINDS,
        ...(persistDir ? { cloudCrashPerMille: 250 } : {}),
        ...(values['trips-only'] ? { maxOrders: 0, maxTransfers: 0, maxEventFaults: 0 } : {}),
      },
      onRun: (report) => {
        if (values.verbose || report.violations.length > 0)
          console.log(
            `  run ${report.runId}: ${report.executions} executions, ${report.faults.length} faults, ${report.violations.length} violations, ${report.durationMs} ms`,
          );
        for (const v of report.violations.slice(0, 3))
          console.log(`    ${v.invariant} [${v.subject}]: ${v.detail}`);
      },
    });
    mergeStats(total, result.stats);
    failure = result.failure;
    console.log(
      `batch seed ${batchSeed}: ${result.stats.runs} runs, ${result.stats.executions} executions in ${(result.stats.wallMs / 1000).toFixed(1)} s (total ${total.executions}/${target})`,
    );
  }
} finally {
  env.dynamodb.destroy();
  env.sqs.destroy();
  await env.cloud.stop();
  if (persistDir) rmSync(persistDir, { recursive: true, force: true });
}
total.wallMs = Date.now() - began;
console.log(`\n${statsTable(total)}\n`);
if (persistDir) console.log(`cloud crashes (stop, restart on the same folder): ${restarts}`);
console.log(
  `command: npm run campaign -- --executions ${target} --seed ${seed} --runs-per-batch ${perBatch}${mutant ? ` --mutant ${mutant}` : ''}${persistDir ? ' --persist' : ''}${values['trips-only'] ? ' --trips-only' : ''}`,
);
if (failure) {
  console.log(`\nFAILED — an invariant broke:\n${describeFailure(failure)}`);
  process.exit(1);
}
