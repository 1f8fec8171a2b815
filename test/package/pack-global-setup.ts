import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TestProject } from 'vitest/node';
import { packRepository } from './package-support.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stepsaga tarball `npm pack` made for this run (prepack builds dist/ first). */
    tarball: string;
  }
}

/** Packs the repository once for every package test. */
export default async function setup(project: TestProject): Promise<() => void> {
  const tarball = await packRepository();
  project.provide('tarball', tarball);
  return () => rmSync(dirname(tarball), { recursive: true, force: true });
}
