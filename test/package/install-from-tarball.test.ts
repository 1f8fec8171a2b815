import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  repositoryRoot,
  repositoryVersionOf,
  run,
  runOk,
  startLocalUp,
  stopLocalUp,
} from './package-support.js';

/**
 * A new CDK app outside this repository installs the packed tarball, as a user's app installs
 * stepsaga from the registry, with the newest aws-cdk-lib the registry has.
 */
describe('stepsaga installed from its tarball into a new CDK app', () => {
  let tarball: string;
  let app: string;

  beforeAll(async () => {
    tarball = inject('tarball');
    app = mkdtempSync(join(tmpdir(), 'stepsaga-user-app-'));
    cpSync(join(repositoryRoot, 'test/package/fixtures/user-app'), app, { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'user-app', private: true, type: 'module', scripts: { test: 'vitest run' } }, null, 2)}\n`,
    );
    const npm = (args: string[]) => runOk('npm', [...args, '--no-fund', '--no-audit'], { cwd: app });
    await npm(['install', tarball, 'aws-cdk-lib@latest', 'constructs@^10', 'zod@^4']);
    await npm([
      'install',
      '--save-dev',
      `typescript@${repositoryVersionOf('typescript')}`,
      `vitest@${repositoryVersionOf('vitest')}`,
      `tsx@${repositoryVersionOf('tsx')}`,
      `@types/node@${repositoryVersionOf('@types/node')}`,
      `aws-cdk@${repositoryVersionOf('aws-cdk')}`,
    ]);
  });

  /** `npx stepsaga run Checkout` against a running `local up`, from the app's folder. */
  const runCheckout = (endpoint: string, input: string) =>
    run('npx', ['stepsaga', 'run', 'Checkout', '--endpoint-url', endpoint, '--input', input], { cwd: app });

  afterAll(() => {
    if (app) rmSync(app, { recursive: true, force: true });
  });

  it('ships compiled entry points and no tests, benchmarks, examples or sources', async () => {
    const listing = await runOk('tar', ['-tzf', tarball], { cwd: repositoryRoot });
    const files = listing.trim().split('\n');
    expect(files).toContain('package/dist/infra/constructs/index.js');
    expect(files).toContain('package/dist/infra/constructs/index.d.ts');
    expect(files).toContain('package/dist/functions/index.js');
    expect(files).toContain('package/dist/functions/index.d.ts');
    expect(files).toContain('package/dist/infra/local/testing/index.js');
    expect(files).toContain('package/dist/infra/local/cli/bin.js');
    // The local console's page, style sheet and scripts are served from the package, not the network.
    for (const asset of ['index.html', 'console.css', 'app.js', 'graph.js']) {
      expect(files).toContain(`package/dist/infra/local/console/assets/${asset}`);
    }
    const unwanted = files.filter((file) =>
      /^package\/(test|bench|workflows|docs|infra|functions)\/|\/examples\/|\.test\.|\.ts$(?<!\.d\.ts)|^package\/(cdk\.json|tsconfig)/.test(
        file,
      ),
    );
    expect(unwanted).toEqual([]);
  });

  it('resolves every entry point to its curated surface', async () => {
    const script = `
      const surfaces = {};
      for (const entry of ['stepsaga', 'stepsaga/runtime', 'stepsaga/testing', 'stepsaga/local', 'stepsaga/operations']) {
        surfaces[entry] = Object.keys(await import(entry)).sort();
      }
      console.log(JSON.stringify(surfaces));`;
    const printed = await runOk(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    const surfaces = JSON.parse(printed.trim().split('\n').at(-1) ?? '{}') as Record<string, string[]>;
    expect(surfaces.stepsaga).toEqual(
      expect.arrayContaining(['Saga', 'Participant', 'TccTransaction', 'OutboxRelay']),
    );
    expect(surfaces.stepsaga).not.toContain('buildSagaDefinition');
    expect(surfaces['stepsaga/runtime']).toEqual(
      expect.arrayContaining([
        'defineParticipant',
        'BusinessError',
        'createInboxHandler',
        'defineChoreographyParticipant',
        'holdReservation',
        'createTransactionalMessageClient',
        'publishNotification',
        'answerCallback',
      ]),
    );
    expect(surfaces['stepsaga/testing']).toEqual(
      expect.arrayContaining([
        'useLocalCloud',
        'waitForExecution',
        'runSaga',
        'readTable',
        'receiveMessages',
      ]),
    );
    expect(surfaces['stepsaga/local']).toEqual(expect.arrayContaining(['startLocalCloud', 'startGateway']));
    expect(surfaces['stepsaga/operations']).toEqual(
      expect.arrayContaining(['listParkedSagas', 'decideParkedSaga', 'redriveExecution']),
    );
  });

  it('typechecks against the published declarations with skipLibCheck off', async () => {
    await runOk('npx', ['tsc', '--noEmit', '-p', 'tsconfig.json'], { cwd: app });
  });

  it('synthesizes with the CDK CLI', async () => {
    await runOk('npx', ['cdk', 'synth', '--no-notices', '--quiet'], { cwd: app });
    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'Shop.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    expect(types).toContain('AWS::StepFunctions::StateMachine');
    expect(types.filter((type) => type === 'AWS::Lambda::Function')).toHaveLength(2);
  });

  it('runs a saga to success and one to compensation on `stepsaga local up` found through cdk.json', async () => {
    const local = await startLocalUp(app);
    try {
      const succeeded = await runCheckout(
        local.endpoint,
        '{"orderId":"o-1","sku":"sku-1","quantity":1,"amount":500}',
      );
      expect(succeeded.output).toMatch(/ChargeWallet\s+succeeded/);
      expect(succeeded.code).toBe(0);
      const compensated = await runCheckout(
        local.endpoint,
        '{"orderId":"o-2","sku":"sku-1","quantity":1,"amount":50000}',
      );
      expect(compensated.output).toMatch(/Compensate ReserveStock\s+compensated/);
      expect(compensated.output).toMatch(/FAILED\s+SagaCompensated/);
      expect(compensated.code).toBe(1);
    } finally {
      expect(await stopLocalUp(local.process)).toBe(0);
    }
  });

  it('starts from a TypeScript entry file given with --app, which the compiled CLI loads itself', async () => {
    // bin/app.ts imports "../lib/shop-stack.js": only a TypeScript loader resolves that to the .ts file.
    const local = await startLocalUp(app, ['--app', 'bin/app.ts', '--no-cache']);
    try {
      expect(local.output()).toMatch(/App: bin\/app\.ts/);
      const succeeded = await runCheckout(
        local.endpoint,
        '{"orderId":"o-3","sku":"sku-1","quantity":1,"amount":500}',
      );
      expect(succeeded.output).toMatch(/ChargeWallet\s+succeeded/);
      expect(succeeded.code).toBe(0);
    } finally {
      expect(await stopLocalUp(local.process)).toBe(0);
    }
  });

  it("passes the app's own vitest suite written with stepsaga/testing", async () => {
    const output = await runOk('npm', ['test'], { cwd: app });
    expect(output).toMatch(/Tests\s+2 passed/);
  });
});
