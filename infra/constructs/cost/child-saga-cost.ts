import type { SagaCostReport, UsdBreakdown } from './saga-cost-model.js';

/** A saga's happy path with the happy paths of the child sagas it starts added, as far as they are priced. */
export interface HappyPathWithChildren {
  readonly transitions: number;
  readonly lambdaInvocations: number;
  /** Undefined for an Express saga or when a child is Express. */
  readonly usdPerMillion?: UsdBreakdown;
  /** Child sagas (at any depth) whose report was not at hand, so not added. */
  readonly missing: readonly string[];
}

const sum = (a: UsdBreakdown, b: UsdBreakdown): UsdBreakdown => ({
  stepFunctions: a.stepFunctions + b.stepFunctions,
  lambda: a.lambda + b.lambda,
  dynamoDb: a.dynamoDb + b.dynamoDb,
  sqs: a.sqs + b.sqs,
  total: a.total + b.total,
});

/**
 * A child step's own transitions, invocations and writes are billed to the child's execution, not
 * the parent's: on the happy path every child saga runs its happy path once, so the whole cost of
 * one parent execution is the parent's plus each child's (children of children included).
 * Undefined when the saga starts no child saga.
 */
export function happyPathWithChildren(
  report: SagaCostReport,
  reports: ReadonlyMap<string, SagaCostReport>,
): HappyPathWithChildren | undefined {
  if (report.childSagas.length === 0) return undefined;
  const walk = (current: SagaCostReport, seen: ReadonlySet<string>): HappyPathWithChildren => {
    const happy = current.paths.find((p) => p.path === 'happy')!;
    let total: HappyPathWithChildren = {
      transitions: happy.transitions,
      lambdaInvocations: happy.lambdaInvocations,
      ...(happy.usdPerMillion ? { usdPerMillion: happy.usdPerMillion } : {}),
      missing: [],
    };
    for (const { childSaga } of current.childSagas) {
      const child = reports.get(childSaga);
      if (!child || seen.has(childSaga)) {
        total = { ...total, missing: [...total.missing, childSaga] };
        continue;
      }
      const inner = walk(child, new Set([...seen, childSaga]));
      const usd =
        total.usdPerMillion && inner.usdPerMillion
          ? sum(total.usdPerMillion, inner.usdPerMillion)
          : undefined;
      total = {
        transitions: total.transitions + inner.transitions,
        lambdaInvocations: total.lambdaInvocations + inner.lambdaInvocations,
        ...(usd ? { usdPerMillion: usd } : {}),
        missing: [...total.missing, ...inner.missing],
      };
    }
    return total;
  };
  return walk(report, new Set([report.sagaName]));
}
