import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Remembers state machine definitions the interpreter's ASL validator already accepted.
 *
 * The validator compiles its JSON schemas on every call (most of a second per state machine on a
 * busy machine), and on a warm start the definitions are byte for byte the ones validated last
 * time. Only a clean pass is remembered, keyed by the definition text and the versions of the
 * interpreter and validator, so an invalid definition is reported on every start and an upgrade
 * of either package validates everything again.
 *
 * Some values in a resolved definition change on every start without changing what the validator
 * checks (queue URLs carry the SQS emulator's random port); `stableNames` replaces each with a
 * stable name (its ARN) in the key.
 */
export class AslValidationCache {
  private static readonly validatedInProcess = new Set<string>();
  private readonly directory: string | undefined;
  private readonly stableNames: ReadonlyMap<string, string>;

  /**
   * @param directory where passes persist across processes; without one, only this process remembers
   * @param stableNames per-start values found in definitions, each with the stable name that stands for it
   */
  constructor(directory?: string, stableNames: ReadonlyMap<string, string> = new Map()) {
    this.directory = directory;
    this.stableNames = stableNames;
  }

  isKnownValid(definition: string): boolean {
    const key = this.keyOf(definition);
    if (AslValidationCache.validatedInProcess.has(key)) return true;
    if (this.directory === undefined || !existsSync(join(this.directory, key))) return false;
    AslValidationCache.validatedInProcess.add(key);
    return true;
  }

  rememberValid(definition: string): void {
    const key = this.keyOf(definition);
    AslValidationCache.validatedInProcess.add(key);
    if (this.directory === undefined) return;
    try {
      mkdirSync(this.directory, { recursive: true });
      writeFileSync(join(this.directory, key), '');
    } catch {
      // A read-only or vanished cache directory only costs the next start a validation.
    }
  }

  private keyOf(definition: string): string {
    let stable = definition;
    for (const [value, name] of this.stableNames) stable = stable.replaceAll(value, name);
    return createHash('sha256')
      .update(`${versionsOfValidator()}\n`)
      .update(stable)
      .digest('hex')
      .slice(0, 32);
  }
}

let validatorVersions: string | undefined;

function versionsOfValidator(): string {
  if (validatorVersions !== undefined) return validatorVersions;
  const versions: string[] = [];
  try {
    const requireHere = createRequire(import.meta.url);
    const interpreterEntry = requireHere.resolve('aws-local-stepfunctions');
    const interpreterManifest = findManifest('aws-local-stepfunctions', dirname(interpreterEntry));
    versions.push(`aws-local-stepfunctions@${readVersion(interpreterManifest)}`);
    const validatorEntry = createRequire(interpreterManifest).resolve('asl-validator');
    versions.push(`asl-validator@${readVersion(findManifest('asl-validator', dirname(validatorEntry)))}`);
  } catch {
    // Unknown versions must never match a pass recorded under known ones.
    versions.push(`unknown@${process.pid}@${Date.now()}`);
  }
  validatorVersions = versions.join(' ');
  return validatorVersions;
}

function findManifest(packageName: string, from: string): string {
  // Build directories often hold a package.json of their own (only `type`), so match the name.
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && readManifest(candidate).name === packageName) return candidate;
    if (dirname(dir) === dir) throw new Error(`no package.json of ${packageName} above ${from}`);
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } {
  return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown };
}

function readVersion(manifest: string): string {
  const { version } = readManifest(manifest);
  if (typeof version !== 'string') throw new Error(`${manifest} has no version`);
  return version;
}
