/**
 * The oldest Node.js that runs all of stepsaga: the SQS emulator imports `node:sqlite`, which Node
 * ships without a flag from 22.13; the Step Functions interpreter needs Node 22; and local functions
 * find the runtime-provided AWS SDK through `module.registerHooks`, new in 22.15. Keep in step with
 * `engines` in package.json.
 */
export const MINIMUM_NODE_VERSION = '22.15.0';

function parse(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
}

/** Whether `version` (as in `process.versions.node`) is at least {@link MINIMUM_NODE_VERSION}. */
export function isSupportedNodeVersion(version: string): boolean {
  const have = parse(version);
  const need = parse(MINIMUM_NODE_VERSION);
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== (need[i] ?? 0)) return (have[i] ?? 0) > (need[i] ?? 0);
  }
  return true;
}

/** What to tell a user on an older Node.js, or undefined when this one is supported. */
export function unsupportedNodeMessage(version: string): string | undefined {
  if (isSupportedNodeVersion(version)) return undefined;
  return (
    `stepsaga needs Node.js ${MINIMUM_NODE_VERSION} or newer; this is Node.js ${version}.\n` +
    'Install Node.js 22 or 24 (https://nodejs.org, or `nvm install 22`), or, where only the npm\n' +
    'registry is reachable, add it to the project: `npm install --save-dev node@22` and run\n' +
    'stepsaga through npm scripts or `npx`, which put node_modules/.bin first on the PATH.\n'
  );
}
