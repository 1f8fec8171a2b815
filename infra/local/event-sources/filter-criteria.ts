/**
 * The EventBridge pattern grammar, shared by Lambda event filtering (FilterCriteria) and EventBridge
 * rules: a record passes when any filter pattern matches. Supported rules: exact values, `prefix`,
 * `suffix`, `equals-ignore-case`, `wildcard`, `exists`, `anything-but` (values, or a `prefix`,
 * `suffix`, `equals-ignore-case` or `wildcard`), `numeric` ranges and nested `$or`.
 */
export type FilterPattern = { readonly [key: string]: FilterPattern | readonly unknown[] };

export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
}

export function parseFilterCriteria(criteria: unknown, where: string): FilterPattern[] {
  const filters = (criteria as { Filters?: Array<{ Pattern?: unknown }> } | undefined)?.Filters ?? [];
  return filters.map((filter, i) => {
    const pattern = filter.Pattern;
    try {
      const parsed = typeof pattern === 'string' ? JSON.parse(pattern) : pattern;
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new Error('a pattern must be a JSON object');
      return parsed as FilterPattern;
    } catch (error) {
      throw new FilterPatternError(
        `${where}: FilterCriteria.Filters[${i}].Pattern is invalid (${(error as Error).message}): ${String(pattern)}`,
      );
    }
  });
}

/** True when there are no filters, or any filter matches the record. */
export function matchesAnyFilter(filters: readonly FilterPattern[], record: unknown): boolean {
  return filters.length === 0 || filters.some((filter) => matchesPattern(filter, record));
}

export interface MatchOptions {
  /**
   * `numeric` matches only JSON numbers, as EventBridge does; without it a numeric string matches
   * too (the local cloud's event source filters have always accepted them).
   */
  readonly strictNumbers?: boolean;
}

export function matchesPattern(pattern: FilterPattern, data: unknown, options: MatchOptions = {}): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === '$or' && Array.isArray(rule)) {
      if (!rule.some((alternative) => matchesPattern(alternative as FilterPattern, data, options)))
        return false;
      continue;
    }
    const present = data !== null && typeof data === 'object' && key in (data as Record<string, unknown>);
    const value = present ? (data as Record<string, unknown>)[key] : undefined;
    if (Array.isArray(rule)) {
      if (!matchesLeaf(rule, value, present, options)) return false;
    } else if (rule && typeof rule === 'object') {
      if (!present) return false;
      // A pattern object against an array of objects matches when any element matches.
      const candidates = Array.isArray(value) ? value : [value];
      if (!candidates.some((v) => matchesPattern(rule as FilterPattern, v, options))) return false;
    } else {
      throw new FilterPatternError(
        `filter rule for "${key}" must be an array or an object, got ${JSON.stringify(rule)}`,
      );
    }
  }
  return true;
}

function matchesLeaf(
  rules: readonly unknown[],
  value: unknown,
  present: boolean,
  options: MatchOptions,
): boolean {
  const values = Array.isArray(value) ? value : [value];
  return rules.some((rule) => {
    if (rule && typeof rule === 'object' && !Array.isArray(rule)) {
      const entries = Object.entries(rule as Record<string, unknown>);
      const [operator, operand] = entries[0] ?? [];
      if (operator === 'exists') return operand === present;
      if (!present) return false;
      return values.some((v) => matchesOperator(String(operator), operand, v, options));
    }
    return present && values.some((v) => v === rule);
  });
}

/** `*` matches any run of characters; `\\*` is a literal star. */
function matchesWildcard(value: unknown, pattern: unknown): boolean {
  if (typeof value !== 'string' || typeof pattern !== 'string') return false;
  const source = pattern
    .split(/(\\\*|\*)/)
    .map((part) =>
      part === '*' ? '.*' : part === '\\*' ? '\\*' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${source}$`, 's').test(value);
}

function matchesOperator(operator: string, operand: unknown, value: unknown, options: MatchOptions): boolean {
  switch (operator) {
    case 'wildcard':
      return matchesWildcard(value, operand);
    case 'prefix':
      return typeof value === 'string' && typeof operand === 'string' && value.startsWith(operand);
    case 'suffix':
      return typeof value === 'string' && typeof operand === 'string' && value.endsWith(operand);
    case 'equals-ignore-case':
      return (
        typeof value === 'string' &&
        typeof operand === 'string' &&
        value.toLowerCase() === operand.toLowerCase()
      );
    case 'anything-but': {
      if (operand && typeof operand === 'object' && !Array.isArray(operand)) {
        const [inner, innerOperand] = Object.entries(operand as Record<string, unknown>)[0] ?? [];
        if (typeof value !== 'string') return true;
        const operands = Array.isArray(innerOperand) ? innerOperand : [innerOperand];
        return !operands.some((o) => matchesOperator(String(inner), o, value, options));
      }
      const excluded = Array.isArray(operand) ? operand : [operand];
      return !excluded.includes(value);
    }
    case 'numeric': {
      const n =
        typeof value === 'number'
          ? value
          : !options.strictNumbers && typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (Number.isNaN(n) || !Array.isArray(operand)) return false;
      for (let i = 0; i + 1 < operand.length; i += 2) {
        const bound = Number(operand[i + 1]);
        const ok =
          operand[i] === '>'
            ? n > bound
            : operand[i] === '>='
              ? n >= bound
              : operand[i] === '<'
                ? n < bound
                : operand[i] === '<='
                  ? n <= bound
                  : operand[i] === '='
                    ? n === bound
                    : false;
        if (!ok) return false;
      }
      return true;
    }
    default:
      throw new FilterPatternError(`unsupported filter operator "${operator}"`);
  }
}
