import { arnMatch, wildcardMatch } from './wildcard.js';

/** Values of the request's condition keys (`aws:SourceArn`, `aws:SecureTransport`, ...). */
export type ConditionContext = Readonly<Record<string, string | boolean | readonly string[]>>;

/** A policy's `Condition` block: operator → key → value(s). */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** An operator the evaluator does not know; AWS refuses such a policy, so the statement never applies. */
export class UnsupportedConditionOperator extends Error {
  override readonly name = 'UnsupportedConditionOperator';
}

type Compare = (policyValue: string, requestValue: string) => boolean;

const dateOf = (value: string): number => {
  const n = Number(value);
  return Number.isFinite(n) && /^\d+$/.test(value) ? n * 1000 : Date.parse(value);
};

/** Positive operators; each `Not` form is its negation with NOR over the policy's values. */
const POSITIVE: Readonly<Record<string, Compare>> = {
  StringEquals: (p, r) => p === r,
  StringEqualsIgnoreCase: (p, r) => p.toLowerCase() === r.toLowerCase(),
  StringLike: (p, r) => wildcardMatch(p, r),
  ArnEquals: (p, r) => arnMatch(p, r),
  ArnLike: (p, r) => arnMatch(p, r),
  NumericEquals: (p, r) => Number(p) === Number(r),
  NumericLessThan: (p, r) => Number(r) < Number(p),
  NumericLessThanEquals: (p, r) => Number(r) <= Number(p),
  NumericGreaterThan: (p, r) => Number(r) > Number(p),
  NumericGreaterThanEquals: (p, r) => Number(r) >= Number(p),
  DateEquals: (p, r) => dateOf(r) === dateOf(p),
  DateLessThan: (p, r) => dateOf(r) < dateOf(p),
  DateLessThanEquals: (p, r) => dateOf(r) <= dateOf(p),
  DateGreaterThan: (p, r) => dateOf(r) > dateOf(p),
  DateGreaterThanEquals: (p, r) => dateOf(r) >= dateOf(p),
  Bool: (p, r) => p.toLowerCase() === r.toLowerCase(),
};

const NEGATED: Readonly<Record<string, string>> = {
  StringNotEquals: 'StringEquals',
  StringNotEqualsIgnoreCase: 'StringEqualsIgnoreCase',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
  NumericNotEquals: 'NumericEquals',
  DateNotEquals: 'DateEquals',
};

const asStrings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));

/** Context keys are case-insensitive. */
function lookup(context: ConditionContext, key: string): string[] | undefined {
  const wanted = key.toLowerCase();
  for (const [name, value] of Object.entries(context)) {
    if (name.toLowerCase() !== wanted) continue;
    if (Array.isArray(value)) return value.map(String);
    return [String(value)];
  }
  return undefined;
}

/**
 * Whether a statement's `Condition` holds, as AWS evaluates it: operators AND, keys AND, values OR
 * (NOR for negated operators); a key missing from the request fails a positive operator and passes
 * a negated one; `...IfExists` passes when the key is missing; `Null` tests presence;
 * `ForAnyValue:`/`ForAllValues:` qualify multi-valued keys.
 */
export function conditionsHold(block: ConditionBlock | undefined, context: ConditionContext): boolean {
  if (!block) return true;
  for (const [rawOperator, keys] of Object.entries(block)) {
    for (const [key, policyValue] of Object.entries(keys)) {
      if (!operatorHolds(rawOperator, key, asStrings(policyValue), context)) return false;
    }
  }
  return true;
}

function operatorHolds(
  rawOperator: string,
  key: string,
  values: string[],
  context: ConditionContext,
): boolean {
  const requestValues = lookup(context, key);
  if (rawOperator === 'Null') {
    const wantsMissing = (values[0] ?? '').toLowerCase() === 'true';
    return wantsMissing === (requestValues === undefined || requestValues.length === 0);
  }
  let operator = rawOperator;
  let set: 'any' | 'all' | undefined;
  if (operator.startsWith('ForAnyValue:')) {
    set = 'any';
    operator = operator.slice('ForAnyValue:'.length);
  } else if (operator.startsWith('ForAllValues:')) {
    set = 'all';
    operator = operator.slice('ForAllValues:'.length);
  }
  const ifExists = operator.endsWith('IfExists');
  if (ifExists) operator = operator.slice(0, -'IfExists'.length);
  const positiveName = NEGATED[operator] ?? operator;
  const negated = positiveName !== operator;
  const compare = POSITIVE[positiveName];
  if (!compare) throw new UnsupportedConditionOperator(`condition operator ${rawOperator} is not supported`);
  if (requestValues === undefined || requestValues.length === 0) {
    if (ifExists) return true;
    // ForAllValues over no values is vacuously true; everything else on a missing key is decided by polarity.
    if (set === 'all') return true;
    return negated;
  }
  const matchesOne = (requestValue: string) => {
    const any = values.some((p) => compare(p, requestValue));
    return negated ? !any : any;
  };
  if (set === 'all') return requestValues.every(matchesOne);
  if (set === 'any') return requestValues.some(matchesOne);
  // A single-valued key; a list without a set qualifier matches when any of its values does.
  return requestValues.some(matchesOne);
}
