#!/usr/bin/env node
// The installed `stepsaga` command. The version check comes before anything else is loaded: the
// engines' modules fail on older Node.js with errors that do not say what to do.
import { unsupportedNodeMessage } from '../node-version.js';

const problem = unsupportedNodeMessage(process.versions.node);
if (problem) {
  process.stderr.write(problem);
  process.exit(2);
}
const { runCli } = await import('./main.js');
process.exit(await runCli(process.argv.slice(2)));
