import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The entry file of one of stepsaga's own Lambda handlers (relay, notifier, sweepers, ...), for
 * esbuild to bundle into the user's app. In this repository the handlers are TypeScript sources; in
 * the published package they are compiled JavaScript at the same relative place.
 */
export function libraryHandlerEntry(pathUnderFunctions: string): string {
  const functionsDir = new URL('../../../functions/', import.meta.url);
  for (const extension of ['.ts', '.js']) {
    const candidate = fileURLToPath(new URL(`${pathUnderFunctions}${extension}`, functionsDir));
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    `stepsaga's handler "functions/${pathUnderFunctions}" is missing from ${fileURLToPath(functionsDir)}; reinstall the stepsaga package.`,
  );
}
