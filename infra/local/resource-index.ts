import type { LocalResource, LocalResourceIndex, LocalResourceKind } from './types.js';

export class ResourceIndex implements LocalResourceIndex {
  private readonly byKey = new Map<string, LocalResource>();

  get all(): readonly LocalResource[] {
    return [...this.byKey.values()];
  }

  add(resource: LocalResource): void {
    this.byKey.set(`${resource.stack}/${resource.logicalId}`, resource);
  }

  list(kind: LocalResourceKind): LocalResource[] {
    return this.all.filter((r) => r.kind === kind);
  }

  get(stack: string, logicalId: string): LocalResource | undefined {
    return this.byKey.get(`${stack}/${logicalId}`);
  }

  find(ref: string, kind?: LocalResourceKind): LocalResource {
    const candidates = kind ? this.list(kind) : this.all;
    const exact = candidates.filter(
      (r) => r.logicalId === ref || r.name === ref || r.arn === ref || r.url === ref || r.path === ref,
    );
    const matches =
      exact.length > 0
        ? exact
        : candidates.filter((r) => r.path?.endsWith(`/${ref}`) || r.path?.includes(`/${ref}/`));
    if (matches.length === 1 && matches[0]) return matches[0];
    const what = kind ? `${kind} ` : '';
    if (matches.length === 0) {
      const known = candidates.map((r) => r.path ?? `${r.stack}/${r.logicalId}`).join(', ');
      throw new Error(`No local ${what}resource matches "${ref}". Known: ${known || 'none'}`);
    }
    throw new Error(
      `"${ref}" matches ${matches.length} local ${what}resources (${matches.map((r) => r.path ?? r.logicalId).join(', ')}); use the full construct path, name or ARN`,
    );
  }
}
