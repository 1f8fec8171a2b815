import type { LocalCloud, LocalResource, LocalResourceKind } from '../types.js';

/**
 * The local resource a reference names: a construct path (or its suffix, e.g. `Inventory/Table`),
 * logical id, physical name, ARN or queue URL. Throws, listing the candidates, when nothing or more
 * than one resource matches.
 */
export function findResource(cloud: LocalCloud, ref: string, kind?: LocalResourceKind): LocalResource {
  return cloud.resources.find(ref, kind);
}
