#!/usr/bin/env node
// The installed `stepsaga` command: registers tsx's loader so the TypeScript CLI runs on plain Node.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exit(
  await main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`stepsaga: ${error?.message ?? String(error)}\n`);
    return 2;
  }),
);
