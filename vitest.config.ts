import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// End-to-end files with an app and a synth cache of their own: `npm test` runs them in its second
// lane, beside the example app's end-to-end files, so that the two lanes take about as long.
const E2E_BESIDE = ['test/e2e/fidelity-*.test.ts', 'test/e2e/local-cloud-book-trip.test.ts'];

// Suites: unit (no servers), integration (DynamoDB Local + SQS emulator started once in
// globalSetup), e2e (the synthesized example app on the embedded local cloud), and package (the packed
// tarball installed into new apps outside the repository).
export default defineConfig({
  // The package's entry points resolve to the sources, as tsconfig.json's paths do for tsc and tsx.
  resolve: {
    alias: [
      { find: /^stepsaga$/, replacement: source('./infra/constructs/index.ts') },
      { find: /^stepsaga\/runtime$/, replacement: source('./functions/index.ts') },
      { find: /^stepsaga\/testing$/, replacement: source('./infra/local/testing/index.ts') },
      { find: /^stepsaga\/local$/, replacement: source('./infra/local/index.ts') },
      { find: /^stepsaga\/operations$/, replacement: source('./infra/operations/index.ts') },
    ],
  },
  test: {
    // Two files at a time on a 2-core machine. Vitest runs the one-at-a-time projects (e2e, package)
    // alone after everything else, so `npm test` runs e2e in a second process (test/run-lanes.ts).
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/integration-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: E2E_BESIDE,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e-beside',
          include: E2E_BESIDE,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'package',
          include: ['test/package/*.test.ts'],
          globalSetup: ['test/package/pack-global-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
