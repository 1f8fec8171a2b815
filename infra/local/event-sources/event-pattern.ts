import { type FilterPattern, FilterPatternError, matchesPattern } from './filter-criteria.js';

const OPERATORS = new Set([
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
]);

/**
 * Reads an EventBridge rule's or an SNS subscription's pattern (an object or its JSON text) and
 * refuses what AWS refuses: a field whose value is neither an array nor an object, an unknown
 * operator. `where` names the pattern in the message.
 */
export function parseEventPattern(pattern: unknown, where: string): FilterPattern {
  let parsed: unknown;
  try {
    parsed = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
  } catch (error) {
    throw new FilterPatternError(`${where} is not JSON (${(error as Error).message}): ${String(pattern)}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new FilterPatternError(`${where} must be a JSON object, got ${JSON.stringify(parsed)}`);
  check(parsed as Record<string, unknown>, where, '');
  return parsed as FilterPattern;
}

function check(pattern: Record<string, unknown>, where: string, path: string): void {
  for (const [key, rule] of Object.entries(pattern)) {
    const at = path ? `${path}.${key}` : key;
    if (key === '$or' && Array.isArray(rule)) {
      for (const alternative of rule) check(alternative as Record<string, unknown>, where, path);
      continue;
    }
    if (Array.isArray(rule)) {
      for (const leaf of rule) {
        if (!leaf || typeof leaf !== 'object') continue;
        const operator = Object.keys(leaf)[0] ?? '';
        if (!OPERATORS.has(operator))
          throw new FilterPatternError(`${where}: "${at}" uses unknown operator "${operator}"`);
        if (operator === 'cidr')
          throw new FilterPatternError(`${where}: "${at}" uses "cidr", which the local cloud does not match`);
      }
    } else if (rule && typeof rule === 'object') {
      check(rule as Record<string, unknown>, where, at);
    } else {
      throw new FilterPatternError(
        `${where}: the value of "${at}" must be an array or an object, got ${JSON.stringify(rule)}; wrap it in [ ]`,
      );
    }
  }
}

/** True when an event matches an EventBridge pattern (numbers match `numeric` only as JSON numbers). */
export function matchesEventPattern(pattern: FilterPattern, event: unknown): boolean {
  return matchesPattern(pattern, event, { strictNumbers: true });
}
