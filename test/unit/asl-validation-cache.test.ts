import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const loadCache = async () => {
  // A fresh module stands for a fresh process: its in-process memory starts empty.
  vi.resetModules();
  return (await import('../../infra/local/stepfunctions/asl-validation-cache.js')).AslValidationCache;
};

const definition = (name: string) =>
  JSON.stringify({ StartAt: name, States: { [name]: { Type: 'Succeed' } } });

describe('AslValidationCache', () => {
  const directories: string[] = [];
  const newDirectory = () => {
    const dir = mkdtempSync(join(tmpdir(), 'asl-valid-'));
    directories.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of directories.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('knows a definition only after it was remembered as valid', async () => {
    const AslValidationCache = await loadCache();
    const cache = new AslValidationCache(newDirectory());
    expect(cache.isKnownValid(definition('A'))).toBe(false);
    cache.rememberValid(definition('A'));
    expect(cache.isKnownValid(definition('A'))).toBe(true);
    expect(cache.isKnownValid(definition('B'))).toBe(false);
  });

  it('remembers a pass across processes through its directory, and only there', async () => {
    const directory = newDirectory();
    const other = newDirectory();
    new (await loadCache())(directory).rememberValid(definition('A'));
    expect(readdirSync(directory)).toHaveLength(1);

    const AslValidationCache = await loadCache();
    expect(new AslValidationCache(other).isKnownValid(definition('A'))).toBe(false);
    expect(new AslValidationCache(directory).isKnownValid(definition('A'))).toBe(true);
  });

  it('without a directory remembers within the process only', async () => {
    new (await loadCache())().rememberValid(definition('A'));
    const AslValidationCache = await loadCache();
    expect(new AslValidationCache().isKnownValid(definition('A'))).toBe(false);
  });

  it('keys passes by the definition text, so one changed byte validates again', async () => {
    const AslValidationCache = await loadCache();
    const cache = new AslValidationCache(newDirectory());
    cache.rememberValid(definition('A'));
    expect(cache.isKnownValid(`${definition('A')} `)).toBe(false);
  });

  it('keys passes by stable names, so a per-start queue URL does not defeat it', async () => {
    const directory = newDirectory();
    const withUrl = (port: number) =>
      JSON.stringify({
        StartAt: 'Park',
        States: {
          Park: {
            Type: 'Task',
            Resource: 'arn:aws:states:::sqs:sendMessage',
            Parameters: { QueueUrl: `http://sqs.localhost:${port}/000000000000/Parked`, MessageBody: 'x' },
            End: true,
          },
        },
      });
    const stableNames = (port: number) =>
      new Map([
        [`http://sqs.localhost:${port}/000000000000/Parked`, 'arn:aws:sqs:us-east-1:000000000000:Parked'],
      ]);
    new (await loadCache())(directory, stableNames(1111)).rememberValid(withUrl(1111));

    const AslValidationCache = await loadCache();
    expect(new AslValidationCache(directory, stableNames(2222)).isKnownValid(withUrl(2222))).toBe(true);
    expect(new AslValidationCache(directory).isKnownValid(withUrl(2222))).toBe(false);
  });

  it('a directory it cannot write costs only the persistence', async () => {
    const AslValidationCache = await loadCache();
    const file = join(newDirectory(), 'not-a-directory');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '');
    const cache = new AslValidationCache(join(file, 'asl-valid'));
    expect(() => cache.rememberValid(definition('A'))).not.toThrow();
    expect(cache.isKnownValid(definition('A'))).toBe(true);
  });
});
