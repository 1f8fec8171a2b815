import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { javaExecutable } from '../../infra/local/dynamodb-local.js';
import { LAUNCHER_CLASS, resolveLauncher } from '../../infra/local/dynamodb-local-launcher.js';

describe('the DynamoDB Local loopback launcher', () => {
  it('compiles once with the javac next to java and reuses the class', () => {
    const cache = mkdtempSync(join(tmpdir(), 'launcher-test-'));
    const first = resolveLauncher(javaExecutable(), cache);
    expect(first.kind).toBe('compiled');
    if (first.kind !== 'compiled') return;
    expect(existsSync(join(first.classDir, `${LAUNCHER_CLASS}.class`))).toBe(true);
    expect(resolveLauncher(javaExecutable(), cache)).toEqual(first);
  });

  it('reports why it is unavailable when there is no working javac', () => {
    const bin = mkdtempSync(join(tmpdir(), 'jre-only-'));
    writeFileSync(join(bin, 'java'), '#!/bin/sh\nexit 0\n');
    writeFileSync(join(bin, 'javac'), '#!/bin/sh\necho "javac: not installed" >&2\nexit 1\n');
    chmodSync(join(bin, 'java'), 0o755);
    chmodSync(join(bin, 'javac'), 0o755);
    const result = resolveLauncher(join(bin, 'java'), mkdtempSync(join(tmpdir(), 'launcher-test-')));
    expect(result).toEqual({ kind: 'unavailable', reason: 'javac failed: javac: not installed' });
  });

  it('never runs a class from a folder other users can write to', () => {
    const first = resolveLauncher(javaExecutable(), mkdtempSync(join(tmpdir(), 'launcher-test-')));
    if (first.kind !== 'compiled') throw new Error('javac is needed for this test');
    const shared = mkdtempSync(join(tmpdir(), 'launcher-shared-'));
    const planted = join(shared, basename(first.classDir));
    mkdirSync(planted);
    writeFileSync(join(planted, `${LAUNCHER_CLASS}.class`), 'planted by someone else');
    chmodSync(planted, 0o777);
    const result = resolveLauncher(javaExecutable(), shared);
    expect(result.kind).toBe('compiled');
    if (result.kind !== 'compiled') return;
    expect(result.classDir).not.toBe(planted);
    expect(readFileSync(join(result.classDir, `${LAUNCHER_CLASS}.class`))).toEqual(
      readFileSync(join(first.classDir, `${LAUNCHER_CLASS}.class`)),
    );
  });
});
