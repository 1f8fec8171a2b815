import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SourceWatcher, watchSources } from '../../infra/local/cli/watch.js';

let root: string;
let watcher: SourceWatcher | undefined;
afterEach(() => {
  watcher?.close();
  rmSync(root, { recursive: true, force: true });
});

const until = async (probe: () => boolean, what: string) => {
  const deadline = Date.now() + 5_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('local up --watch source watcher', () => {
  it('calls once per burst of source changes, never for node_modules, cdk.out or .stepsaga, and watches new folders', async () => {
    root = mkdtempSync(join(tmpdir(), 'stepsaga-watch-'));
    for (const folder of ['functions', 'node_modules/dep', 'cdk.out', '.stepsaga/synth'])
      mkdirSync(join(root, folder), { recursive: true });
    const calls: string[][] = [];
    watcher = watchSources(root, (changed) => void calls.push([...changed]), { debounceMs: 100 });

    writeFileSync(join(root, 'node_modules/dep/index.js'), 'x');
    writeFileSync(join(root, 'cdk.out/manifest.json'), '{}');
    writeFileSync(join(root, '.stepsaga/synth/key'), 'x');
    writeFileSync(join(root, 'functions/handler.ts'), 'export const a = 1;');
    writeFileSync(join(root, 'functions/handler.ts'), 'export const a = 2;');
    writeFileSync(join(root, 'app.ts'), 'app');
    await until(() => calls.length > 0, 'the first call');
    expect(calls).toEqual([['app.ts', 'functions/handler.ts']]);

    mkdirSync(join(root, 'workflows'));
    await until(() => calls.length > 1, 'the new folder');
    writeFileSync(join(root, 'workflows/saga.ts'), 'saga');
    await until(() => calls.length > 2, 'a file in the new folder');
    expect(calls.slice(1)).toEqual([['workflows'], ['workflows/saga.ts']]);
  });
});
