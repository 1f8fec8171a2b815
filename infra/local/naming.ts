import { createHash } from 'node:crypto';

/**
 * The physical name CloudFormation would generate for an unnamed resource, made deterministic:
 * `<stack>-<logicalId>`, shortened with a hash suffix when it exceeds the service's limit.
 */
export function physicalName(stack: string, logicalId: string, maxLength: number, suffix = ''): string {
  const full = `${stack}-${logicalId}`.replace(/[^A-Za-z0-9_-]/g, '');
  if (full.length + suffix.length <= maxLength) return `${full}${suffix}`;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 8);
  return `${full.slice(0, maxLength - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** Logical ids a template value refers to through Ref, Fn::GetAtt or Fn::Sub. */
export function referencedLogicalIds(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedLogicalIds(item, found);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) found.add(v);
      else if (key === 'Fn::GetAtt') {
        const id = Array.isArray(v) ? v[0] : String(v).split('.')[0];
        if (typeof id === 'string') found.add(id);
      } else if (key === 'Fn::Sub') {
        const template = Array.isArray(v) ? v[0] : v;
        if (typeof template === 'string') {
          for (const match of template.matchAll(/\$\{([^!}][^}.]*)[^}]*\}/g)) {
            if (match[1] && !match[1].startsWith('AWS::')) found.add(match[1]);
          }
        }
        referencedLogicalIds(v, found);
      } else referencedLogicalIds(v, found);
    }
  }
  return found;
}
