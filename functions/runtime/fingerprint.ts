import { createHash } from 'node:crypto';

/**
 * The fingerprint of the request that a barrier records: a SHA-256 of the saga input in canonical
 * JSON (object keys sorted), so the same input hashes the same whatever the key order it arrived in.
 *
 * Only the input defines what an action does; the rest of the request either is the barrier's key
 * (saga, execution, step, phase), is recorded beside the fingerprint (the action name), or is the
 * results of earlier steps, which the saga repeats on every retry and redrive and which are not the
 * participant's to judge. Nothing volatile (attempt counts, timestamps) is part of the request.
 */
export function requestFingerprint(input: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(input)).digest('base64url')}`;
}

/** JSON with object keys in code-point order at every level; `undefined` members are dropped as JSON does. */
export function canonicalJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, member: unknown) => {
      if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(member).sort()) sorted[key] = (member as Record<string, unknown>)[key];
      return sorted;
    }) ?? 'null'
  );
}
