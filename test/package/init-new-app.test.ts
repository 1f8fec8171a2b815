import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { repositoryRoot, runOk } from './package-support.js';

/** `stepsaga init` as a new user runs it: the packed CLI, then npm install and npm test in the new app. */
describe('stepsaga init', () => {
  const parent = mkdtempSync(join(tmpdir(), 'stepsaga-init-'));
  const app = join(parent, 'my-sagas');

  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('scaffolds an app whose npm install and npm test pass', async () => {
    const tarball = inject('tarball');
    // The CLI exactly as the tarball ships it (prepack built dist/ for this run).
    const printed = await runOk(
      process.execPath,
      [
        join(repositoryRoot, 'dist/infra/local/cli/bin.js'),
        'init',
        'my-sagas',
        '--package-spec',
        `file:${tarball}`,
      ],
      { cwd: parent },
    );
    expect(printed).toContain('Created my-sagas');
    for (const file of ['package.json', 'cdk.json', 'tsconfig.json', 'README.md', 'lib/orders-stack.ts']) {
      expect(existsSync(join(app, file)), file).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(manifest.dependencies.stepsaga).toBe(`file:${tarball}`);
    expect(Object.keys(manifest.scripts)).toEqual(expect.arrayContaining(['start', 'test']));

    await runOk('npm', ['install', '--no-fund', '--no-audit'], { cwd: app });
    const tested = await runOk('npm', ['test'], { cwd: app });
    expect(tested).toMatch(/Tests\s+2 passed/);
  });
});
