import fc from 'fast-check';
import type { InjectedFault } from '../../infra/local/faults/fault-plan.js';
import { type CampaignProfile, DEFAULT_PROFILE, runSpecArbitrary } from './arbitraries.js';
import type { CampaignEnvironment } from './environment.js';
import { executeRun, type RunReport } from './execute-run.js';
import { type OutcomeKind, outcomeKind, type Violation } from './invariants.js';
import type { RunSpec } from './run-spec.js';

export interface CampaignOptions {
  /** fast-check's seed: the same seed replays the same runs. */
  readonly seed: number;
  readonly numRuns: number;
  readonly profile?: CampaignProfile;
  /** Replays one run of a failure (fast-check's `path`) instead of generating. */
  readonly path?: string;
  /** Called after every run, shrinking runs included. */
  readonly onRun?: (report: RunReport) => void;
}

export interface CampaignStats {
  runs: number;
  executions: number;
  faults: Record<string, number>;
  outcomes: Partial<Record<OutcomeKind, number>>;
  /** Outcomes per saga: `<saga> <outcome>`. */
  outcomesBySaga: Record<string, number>;
  /** Executions per saga, HoldOrder payloads over their budgets, BookTrip's failures on purpose. */
  sagas: Record<string, number>;
  violations: number;
  wallMs: number;
}

export interface CampaignFailure {
  readonly seed: number;
  readonly path: string;
  readonly shrinks: number;
  /** The smallest failing run fast-check found. */
  readonly counterexample: RunSpec;
  /** What the invariants said about that run, and which faults fired in it. */
  readonly report: RunReport | undefined;
  readonly error: string;
}

export interface CampaignResult {
  readonly stats: CampaignStats;
  readonly failure?: CampaignFailure;
}

/** The run's violations as an error, so that fast-check treats the run as failed and shrinks it. */
export class InvariantViolationError extends Error {
  override readonly name = 'InvariantViolationError';
  constructor(readonly report: RunReport) {
    super(
      `run ${report.runId}: ${report.violations.length} invariant violation(s):\n${report.violations
        .map((v: Violation) => `  - ${v.invariant} [${v.subject}]: ${v.detail}`)
        .join('\n')}`,
    );
  }
}

export function emptyStats(): CampaignStats {
  return {
    runs: 0,
    executions: 0,
    faults: {},
    outcomes: {},
    outcomesBySaga: {},
    sagas: {},
    violations: 0,
    wallMs: 0,
  };
}

/** Adds one campaign's counts to another's (wall time excluded: callers measure their own). */
export function mergeStats(into: CampaignStats, from: CampaignStats): void {
  into.runs += from.runs;
  into.executions += from.executions;
  into.violations += from.violations;
  for (const [kind, count] of Object.entries(from.faults))
    into.faults[kind] = (into.faults[kind] ?? 0) + count;
  for (const [saga, count] of Object.entries(from.sagas)) into.sagas[saga] = (into.sagas[saga] ?? 0) + count;
  for (const [label, count] of Object.entries(from.outcomesBySaga))
    into.outcomesBySaga[label] = (into.outcomesBySaga[label] ?? 0) + count;
  for (const [kind, count] of Object.entries(from.outcomes))
    into.outcomes[kind as OutcomeKind] = (into.outcomes[kind as OutcomeKind] ?? 0) + (count ?? 0);
}

/** A fault's kind, refined where the issue's list tells them apart: error type, relay crash, undo phase. */
export function faultLabel(fault: Pick<InjectedFault, 'kind' | 'detail' | 'phase'>): string {
  if (fault.kind === 'crash-after-commit' && fault.detail === 'mid-batch') return 'relay crash mid-batch';
  const kind = fault.kind === 'error' && fault.detail ? `error ${fault.detail}` : fault.kind;
  return fault.phase === 'compensation' || fault.phase === 'cancel' ? `${kind} on ${fault.phase}` : kind;
}

export function addRun(stats: CampaignStats, report: RunReport): void {
  stats.runs += 1;
  stats.executions += report.executions;
  stats.violations += report.violations.length;
  for (const fault of report.faults) {
    const label = faultLabel(fault);
    stats.faults[label] = (stats.faults[label] ?? 0) + 1;
  }
  if (report.spec.cloudCrash) stats.faults['cloud crash'] = (stats.faults['cloud crash'] ?? 0) + 1;
  for (const [kind, count] of Object.entries(report.outcomes))
    stats.outcomes[kind as OutcomeKind] = (stats.outcomes[kind as OutcomeKind] ?? 0) + (count ?? 0);
  const count = (label: string, n: number) => {
    if (n > 0) stats.sagas[label] = (stats.sagas[label] ?? 0) + n;
  };
  for (const e of report.snapshot.executions) {
    count(e.workload, 1);
    const label = `${e.workload} ${outcomeKind(e)}`;
    stats.outcomesBySaga[label] = (stats.outcomesBySaga[label] ?? 0) + 1;
  }
  count('HoldOrder input over budget', report.setup.holds.filter((h) => h.inputOverBudget).length);
  count('HoldOrder label over budget', report.setup.holds.filter((h) => h.resultOverBudget).length);
  for (const trip of report.setup.trips) if (trip.failAt) count(`BookTrip failAt ${trip.failAt}`, 1);
  if (report.spec.bankDelayMs !== undefined) count('BookTrip with a late bank', report.setup.trips.length);
}

/**
 * Runs the randomized campaign on one shared cloud: each fast-check run is a `RunSpec` (fresh
 * stock and accounts, concurrent executions, a fault schedule per execution). A run that breaks an
 * invariant fails the property; fast-check then shrinks it to a smallest failing schedule.
 */
export async function runCampaign(
  env: CampaignEnvironment,
  options: CampaignOptions,
): Promise<CampaignResult> {
  const stats = emptyStats();
  const began = Date.now();
  let lastFailing: RunReport | undefined;
  const property = fc.asyncProperty(runSpecArbitrary(options.profile ?? DEFAULT_PROFILE), async (spec) => {
    const report = await executeRun(env, spec);
    addRun(stats, report);
    options.onRun?.(report);
    if (report.violations.length > 0) {
      lastFailing = report;
      throw new InvariantViolationError(report);
    }
  });
  const details = await fc.check(property, {
    seed: options.seed,
    numRuns: options.numRuns,
    ...(options.path ? { path: options.path } : {}),
    // Each run takes seconds; fast-check's default 1,000-step shrink budget is fine, no timeout.
    endOnFailure: false,
  });
  stats.wallMs = Date.now() - began;
  if (!details.failed || !details.counterexample) return { stats };
  return {
    stats,
    failure: {
      seed: details.seed,
      path: details.counterexamplePath ?? '',
      shrinks: details.numShrinks,
      counterexample: details.counterexample[0],
      report: lastFailing,
      error:
        details.errorInstance instanceof Error
          ? details.errorInstance.message
          : String(details.errorInstance),
    },
  };
}

/** The campaign's summary table (Markdown), as bench/README.md shows it. */
export function statsTable(stats: CampaignStats): string {
  const kinds = (record: Record<string, number | undefined>) =>
    Object.entries(record)
      .filter(([, n]) => (n ?? 0) > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  const faultTotal = Object.values(stats.faults).reduce((a, b) => a + b, 0);
  const rows: Array<[string, string]> = [
    ['runs', String(stats.runs)],
    ['executions', String(stats.executions)],
    ['executions by saga', kinds(stats.sagas)],
    [`faults injected (${faultTotal})`, kinds(stats.faults)],
    ['outcomes', kinds(stats.outcomes)],
    ['outcomes by saga', kinds(stats.outcomesBySaga)],
    ['violations', String(stats.violations)],
    ['wall time', `${(stats.wallMs / 1000).toFixed(1)} s`],
  ];
  return ['| measure | value |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`)].join('\n');
}

/** A failure as text: seed and path to replay it, the shrunk schedule, the violations. */
export function describeFailure(failure: CampaignFailure): string {
  const report = failure.report;
  return [
    `seed ${failure.seed}, path "${failure.path}" (${failure.shrinks} shrink steps)`,
    `shrunk run: ${JSON.stringify(failure.counterexample)}`,
    ...(report
      ? [
          `faults that fired: ${JSON.stringify(report.faults.map(({ at: _at, ...f }) => f))}`,
          ...report.violations.map((v) => `violation ${v.invariant} [${v.subject}]: ${v.detail}`),
        ]
      : [failure.error]),
  ].join('\n');
}
