import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';

/**
 * Deliberately broken copies of the participant runtime, made by patching the bundled handlers of
 * a freshly synthesized assembly (never the sources): the campaign must catch each of them.
 */
export const MUTATIONS = {
  /**
   * The barrier's `attribute_not_exists(pk)` condition always passes, so a duplicate delivery
   * overwrites the barrier and applies its effect a second time.
   */
  'no-barrier-check': {
    // The barrier Put of `putBarrierIfAbsent`, minified or not.
    find: /(Put:\s*\{\s*TableName:\s*[\w$]+,\s*Item:\s*[\w$]+,\s*ConditionExpression:\s*)"attribute_not_exists\(pk\)"/g,
    replace: '$1"attribute_not_exists(mutantNeverSet)"',
  },
  /**
   * HoldOrder's barriers are keyed as PlaceOrder's, as when the barrier identity left the saga out:
   * a HoldOrder and a PlaceOrder started with one order id share every `ReserveInventory` barrier,
   * so one's compensation undoes the other's reservation.
   */
  'barrier-without-saga': {
    // The partition key template of `barrierKey`: `${BARRIER_PREFIX}${sagaName}#${sagaId}`.
    find: /(pk:\s*`\$\{[\w$]+\})\$\{([\w$]+)\}(#\$\{[\w$]+\}`)/g,
    // The replacement is JavaScript source with a template placeholder in it, not a placeholder here.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: see above
    replace: '$1${$2 === "HoldOrder" ? "PlaceOrder" : $2}$3',
  },
} as const;

export type Mutation = keyof typeof MUTATIONS;

function bundles(dir: string, found: string[]): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) bundles(path, found);
    else if (/\.(mjs|js|cjs)$/.test(entry)) found.push(path);
  }
}

/**
 * Synthesizes the app and applies the mutation to every bundled handler that carries the code it
 * targets. Returns the assembly directory (for `startLocalCloud({ app: dir })`); throws if nothing
 * matched, so that a runtime change cannot turn the mutant silently into the original.
 */
export async function mutatedAssembly(
  factory: () => App | Promise<App>,
  mutation: Mutation,
): Promise<string> {
  const assembly = (await factory()).synth();
  const files: string[] = [];
  for (const entry of readdirSync(assembly.directory)) {
    const path = join(assembly.directory, entry);
    if (entry.startsWith('asset.') && statSync(path).isDirectory()) bundles(path, files);
  }
  const { find, replace } = MUTATIONS[mutation];
  let patched = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const next = text.replace(find, replace);
    if (next !== text) {
      writeFileSync(file, next);
      patched += 1;
    }
  }
  if (patched === 0)
    throw new Error(
      `mutation ${mutation} matched no bundled handler in ${assembly.directory}; update its pattern`,
    );
  return assembly.directory;
}
