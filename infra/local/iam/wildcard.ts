/**
 * IAM's glob: `*` matches any run of characters (colons and slashes included), `?` exactly one.
 * Nothing else is special, so a qualified function ARN (`function:name:3`) is not matched by
 * `function:name` but is by `function:name:*` or `function:name*`, as on AWS.
 */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const p = ignoreCase ? pattern.toLowerCase() : pattern;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (!p.includes('*') && !p.includes('?')) return p === v;
  // Iterative glob with single-star backtracking: linear in practice, no regex compilation per call.
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * ARN matching of `ArnLike`/`ArnEquals` and of `Resource`: the six colon-separated parts are
 * compared one by one, each part a glob, the last one (the resource) taking the rest.
 */
export function arnMatch(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = splitArn(pattern);
  const a = splitArn(arn);
  // A pattern short of six parts is not an ARN: only a trailing `*` can make it match one.
  if (!p || !a) return pattern.endsWith('*') && wildcardMatch(pattern, arn);
  return p.every((part, i) => wildcardMatch(part, a[i] as string));
}

function splitArn(value: string): string[] | undefined {
  const parts = value.split(':');
  if (parts.length < 6) return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}
