import type { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directEsbuildCommand, withDirectEsbuild } from '../../infra/local/direct-esbuild.js';

const projectBin = resolve('node_modules', '.bin', 'esbuild');

describe('NodejsFunction bundling during a local synth', () => {
  it('runs the esbuild a package manager would find, with the same arguments, without the package manager', () => {
    const args = ['--bundle', '/app/handler.ts', '--outfile=/out/index.mjs'];
    expect(
      directEsbuildCommand('npx', ['--no-install', 'esbuild', ...args], join(process.cwd(), 'infra')),
    ).toEqual({
      command: projectBin,
      args,
    });
    expect(directEsbuildCommand('pnpm', ['exec', 'esbuild', ...args], process.cwd())?.args).toEqual(args);
    expect(directEsbuildCommand('yarn', ['run', 'esbuild', ...args], process.cwd())?.args).toEqual(args);
  });

  it('leaves other commands, and esbuild it cannot find locally, to the package manager', () => {
    expect(directEsbuildCommand('npx', ['--no-install', 'tsc', '--version'], process.cwd())).toBeUndefined();
    expect(directEsbuildCommand('bash', ['-c', 'npx --no-install esbuild'], process.cwd())).toBeUndefined();
    expect(directEsbuildCommand('npx', ['--no-install', 'esbuild', '--version'], '/')).toBeUndefined();
  });

  it('swaps child_process.spawnSync only while the synth runs', async () => {
    const childProcess = createRequire(import.meta.url)('node:child_process') as {
      spawnSync: typeof spawnSync;
    };
    const original = childProcess.spawnSync;
    const inside = await withDirectEsbuild(async () => {
      const result = childProcess.spawnSync('npx', ['--no-install', 'esbuild', '--version'], {
        encoding: 'utf8',
      });
      return {
        swapped: childProcess.spawnSync !== original,
        status: result.status,
        out: String(result.stdout),
      };
    });
    expect(inside.swapped).toBe(true);
    expect(inside.status).toBe(0);
    expect(inside.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(childProcess.spawnSync).toBe(original);
  });
});
