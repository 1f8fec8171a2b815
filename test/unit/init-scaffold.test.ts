import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { initApp } from '../../infra/local/cli/init.js';

describe('stepsaga init', () => {
  const made: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepsaga-init-unit-'));
    made.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('writes the app with the versions this release was tested with', () => {
    const target = join(folder(), 'Orders App');
    const result = initApp({ directory: target });
    expect(result.files).toEqual(
      expect.arrayContaining(['package.json', 'cdk.json', 'test/place-order.test.ts']),
    );
    const manifest = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
    const own = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(manifest.name).toBe('orders-app');
    expect(manifest.dependencies.stepsaga).toBe(`^${own.version}`);
    expect(manifest.dependencies['aws-cdk-lib']).toBe(own.devDependencies['aws-cdk-lib']);
    expect(JSON.parse(readFileSync(join(target, 'cdk.json'), 'utf8')).app).toBe('npx tsx bin/app.ts');
  });

  it('refuses a folder that has files, and leaves it as it was', () => {
    const target = folder();
    writeFileSync(join(target, 'notes.txt'), 'mine');
    expect(() => initApp({ directory: target })).toThrow(
      /is not empty\. stepsaga init writes a new app into an empty folder/,
    );
    expect(readdirSync(target)).toEqual(['notes.txt']);
  });

  it('refuses a name npm would refuse, before writing anything', () => {
    const target = join(folder(), 'app');
    mkdirSync(target);
    expect(() => initApp({ directory: target, name: 'Bad Name!' })).toThrow(
      '"Bad Name!" is not a valid npm package name for the new app',
    );
    expect(readdirSync(target)).toEqual([]);
  });
});
