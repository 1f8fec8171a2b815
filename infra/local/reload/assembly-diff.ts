import { isDeepStrictEqual } from 'node:util';
import type { CfnResource, LoadedAssembly } from '../cloud-assembly.js';

/** What a reload does with one resource of the app. */
export type ResourceChange = 'added' | 'updated' | 'removed' | 'unchanged';

export interface ResourceDiff {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly change: ResourceChange;
  /** The construct path, when the assembly records one. */
  readonly path?: string;
}

/**
 * Compares two syntheses of an app resource by resource, as CloudFormation would: by stack and
 * logical id, a resource whose properties differ is updated. Metadata (construct paths, asset paths
 * of the cloud assembly) is left out, so a re-synthesis with nothing changed is all `unchanged`.
 * A function's code change shows as a new asset key in its `Code`, hence `updated`.
 */
export function diffAssemblies(before: LoadedAssembly, after: LoadedAssembly): ResourceDiff[] {
  const resources = (assembly: LoadedAssembly) => {
    const all = new Map<string, { stack: string; logicalId: string; resource: CfnResource }>();
    for (const stack of assembly.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        all.set(`${stack.stackName}/${logicalId}`, { stack: stack.stackName, logicalId, resource });
      }
    }
    return all;
  };
  const old = resources(before);
  const next = resources(after);
  const diffs: ResourceDiff[] = [];
  const pathOf = (key: string) => after.constructPaths.get(key) ?? before.constructPaths.get(key);
  for (const [key, { stack, logicalId, resource }] of next) {
    const previous = old.get(key)?.resource;
    const change: ResourceChange = !previous
      ? 'added'
      : previous.Type === resource.Type && isDeepStrictEqual(comparable(previous), comparable(resource))
        ? 'unchanged'
        : 'updated';
    const path = pathOf(key);
    diffs.push({ stack, logicalId, type: resource.Type, change, ...(path ? { path } : {}) });
  }
  for (const [key, { stack, logicalId, resource }] of old) {
    if (next.has(key)) continue;
    const path = pathOf(key);
    diffs.push({ stack, logicalId, type: resource.Type, change: 'removed', ...(path ? { path } : {}) });
  }
  return diffs;
}

function comparable(resource: CfnResource): unknown {
  const { Metadata: _metadata, ...rest } = resource;
  return rest;
}
