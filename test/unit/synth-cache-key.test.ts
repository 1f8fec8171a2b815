import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordEnvironmentReads, SynthCache, synthCacheKey } from '../../infra/local/synth-cache.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'synth-cache-'));

function project(root: string, files: Record<string, string>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

afterEach(() => {
  delete process.env.STEPSAGA_TEST_STAGE;
});

describe('the synth cache key', () => {
  it('covers the sources of an app entry that lives outside the working project', () => {
    const base = scratch();
    const work = project(join(base, 'work'), { 'package.json': '{}', 'notes.ts': 'export {}' });
    const other = project(join(base, 'other'), {
      'package.json': '{}',
      'app.ts': 'export const stage = "a";',
      'lib/stack.ts': 'export const size = 1;',
    });
    const entry = join(other, 'app.ts');
    const before = synthCacheKey(entry, work, { entry });
    project(other, { 'lib/stack.ts': 'export const size = 2;' });
    expect(synthCacheKey(entry, work, { entry })).not.toBe(before);
    // The cache itself takes the name as the entry when it names a file.
    const cache = new SynthCache({ name: entry, projectRoot: work });
    project(other, { 'app.ts': 'export const stage = "b";' });
    expect(cache.key()).not.toBe(synthCacheKey(entry, work));
  });

  it('leaves test files out, unless the app entry is one', () => {
    const root = project(scratch(), {
      'package.json': '{}',
      'lib/app.ts': 'export const size = 1;',
      'test/app.test.ts': 'it("a", () => {});',
      'test/stack.spec.mts': 'it("b", () => {});',
      'test/app-inline.test.ts': 'export const inline = 1;',
    });
    const before = synthCacheKey('lib/app.ts', root, { entry: 'lib/app.ts' });
    project(root, { 'test/app.test.ts': 'it("a, edited", () => {});', 'test/stack.spec.mts': '' });
    expect(synthCacheKey('lib/app.ts', root, { entry: 'lib/app.ts' })).toBe(before);
    project(root, { 'lib/app.ts': 'export const size = 2;' });
    expect(synthCacheKey('lib/app.ts', root, { entry: 'lib/app.ts' })).not.toBe(before);
    // An app built in a test file names that file as its entry, which keeps it in the key.
    const entry = 'test/app-inline.test.ts';
    const inline = synthCacheKey(entry, root, { entry });
    project(root, { [entry]: 'export const inline = 2;' });
    expect(synthCacheKey(entry, root, { entry })).not.toBe(inline);
  });

  it('serves an assembly only while the variables the app read keep their values', async () => {
    const root = project(scratch(), { 'package.json': '{}' });
    const assembly = project(join(root, 'cdk.out'), { 'manifest.json': '{"artifacts":{}}' });
    const cache = new SynthCache({ name: 'app', projectRoot: root, directory: join(root, '.cache-dir') });
    process.env.STEPSAGA_TEST_STAGE = 'blue';
    const { names } = await recordEnvironmentReads(async () => {
      // Node copies the whole environment for a child process; that is not the app depending on it.
      spawnSync(process.execPath, ['-e', '0']);
      return process.env.STEPSAGA_TEST_STAGE;
    });
    expect(names).toEqual(['STEPSAGA_TEST_STAGE']);
    const key = cache.key();
    cache.store(key, assembly, new Map(), names);
    expect(cache.lookup(key)).toBeDefined();
    process.env.STEPSAGA_TEST_STAGE = 'green';
    expect(cache.lookup(key)).toBeUndefined();
    process.env.STEPSAGA_TEST_STAGE = 'blue';
    expect(cache.lookup(key)).toBeDefined();
  });
});
