import { rmSync } from 'node:fs';
import { happyPathWithChildren } from '../../constructs/cost/child-saga-cost.js';
import { formatPricesAndAssumptions, formatSagaCost } from '../../constructs/cost/cost-report-text.js';
import { DEFAULT_PRICES } from '../../constructs/cost/prices-us-east-1.2026-12.js';
import { type CostAssumptions, estimateSagaCost } from '../../constructs/cost/saga-cost-model.js';
import {
  isSagaCostPlan,
  SAGA_COST_PLAN_METADATA,
  type SagaCostPlan,
} from '../../constructs/cost/saga-cost-plan.js';
import { loadAssembly, type StackTemplate } from '../cloud-assembly.js';
import { SynthCache } from '../synth-cache.js';
import { planLocalApp } from './app-source.js';
import { CliUsageError } from './state-machines.js';

export interface CostCommandOptions {
  readonly app?: string;
  readonly cwd: string;
  readonly cached: boolean;
  /** Only this saga (its `sagaName`). */
  readonly saga?: string;
  readonly json?: boolean;
  readonly assumptions?: Partial<CostAssumptions>;
}

/** The cost plans the `Saga` constructs left on their state machines in the synthesized templates. */
export function sagaCostPlans(stacks: readonly StackTemplate[]): SagaCostPlan[] {
  const plans: SagaCostPlan[] = [];
  for (const stack of stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
      const plan = resource.Metadata?.[SAGA_COST_PLAN_METADATA];
      if (isSagaCostPlan(plan)) plans.push(plan);
    }
  }
  return plans;
}

/**
 * `stepsaga cost`: synthesizes the app as `local up` does (cached while the sources are unchanged),
 * reads every saga's cost plan from the templates and prints what each path costs.
 */
export async function costReport(options: CostCommandOptions): Promise<string> {
  const plan = await planLocalApp({ app: options.app, cwd: options.cwd, cached: options.cached });
  const assembly = await loadAssembly(
    plan.app,
    plan.synthCache ? new SynthCache(plan.synthCache) : undefined,
  );
  try {
    const all = sagaCostPlans(assembly.stacks);
    const plans = options.saga === undefined ? all : all.filter((p) => p.sagaName === options.saga);
    if (plans.length === 0) {
      throw new CliUsageError(
        options.saga === undefined
          ? `The app (${plan.description}) has no Saga whose state machine carries a cost plan; sagas built with this version of stepsaga do.`
          : `No saga named "${options.saga}" in the app (sagas: ${all.map((p) => p.sagaName).join(', ') || 'none'}).`,
      );
    }
    // Every saga is priced, so a child saga's cost can be added to its parent's even when only
    // the parent is asked for.
    const byName = new Map(
      all.map((p) => [p.sagaName, estimateSagaCost(p, DEFAULT_PRICES, options.assumptions)] as const),
    );
    const reports = plans.map((p) => byName.get(p.sagaName)!);
    const withChildren = reports.map((r) => happyPathWithChildren(r, byName));
    if (options.json) {
      const json = reports.map((r, i) =>
        withChildren[i] ? { ...r, happyWithChildSagas: withChildren[i] } : r,
      );
      return JSON.stringify({ prices: DEFAULT_PRICES, reports: json }, null, 2);
    }
    return [
      ...reports.map((r, i) => formatSagaCost(r, withChildren[i])),
      formatPricesAndAssumptions(DEFAULT_PRICES, reports[0]),
    ].join('\n\n');
  } finally {
    if (assembly.temporary) rmSync(assembly.directory, { recursive: true, force: true });
  }
}
