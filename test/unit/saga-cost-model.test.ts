import { describe, expect, it } from 'vitest';
import { ErrorNames } from '../../functions/runtime/errors.js';
import { billedTransitions } from '../../infra/constructs/cost/billed-transitions.js';
import { formatSagaCost } from '../../infra/constructs/cost/cost-report-text.js';
import { PRICES_US_EAST_1_2026_12 } from '../../infra/constructs/cost/prices-us-east-1.2026-12.js';
import { estimateSagaCost } from '../../infra/constructs/cost/saga-cost-model.js';
import type { SagaCostPlan, StepCostPlan } from '../../infra/constructs/cost/saga-cost-plan.js';
import { sagaCostPlans } from '../../infra/local/cli/cost.js';
import { buildSaga, tripSteps } from './saga-fixtures.js';
import { runSaga } from './saga-local-harness.js';

const step = (name: string, kind: StepCostPlan['kind'], extra: Partial<StepCostPlan> = {}): StepCostPlan => ({
  form: 'task',
  name,
  kind,
  participant: { name: `${name}Service`, memoryMb: 512 },
  action: 'act',
  ...(kind === 'compensatable' ? { compensation: 'undo' } : {}),
  retryAttempts: 3,
  ...extra,
});

/** PlaceOrder's shape: two compensatable steps, a pivot; compensated and parked outcomes published. */
const placeOrderLike: SagaCostPlan = {
  sagaName: 'PlaceOrder',
  type: 'STANDARD',
  validatesInput: false,
  publishes: ['SagaCompensated', 'SagaParked'],
  waitsForDecision: true,
  compensationRetryAttempts: 6,
  steps: [step('Reserve', 'compensatable'), step('Charge', 'compensatable'), step('Ship', 'pivot')],
};

const path = (plan: SagaCostPlan, name: string) => {
  const found = estimateSagaCost(plan).paths.find((p) => p.path === name);
  if (!found) throw new Error(`no ${name} path`);
  return found;
};

describe('saga cost model', () => {
  it('counts N task transitions plus the terminal state on the happy path, and prices a million sagas', () => {
    const happy = path(placeOrderLike, 'happy');
    expect(happy.transitions).toBe(4);
    expect(happy.lambdaInvocations).toBe(3);
    // Each action: its barrier, one business write and one outbox event, 1 KB each, 2 WRU per KB.
    expect(happy.writeRequestUnits).toBe(3 * 6);
    expect(happy.sqsRequests).toBe(3 * 3);
    const cost = happy.usdPerMillion!;
    expect(cost.stepFunctions).toBeCloseTo(4 * 25, 6);
    // 3 requests at $0.20/1M and 3 × 0.5 GB × 0.1 s at $0.0000133334/GB-s.
    expect(cost.lambda).toBeCloseTo(3 * 0.2 + 0.15 * 13.3334, 4);
    expect(cost.dynamoDb).toBeCloseTo(18 * 0.625 + 3 * 0.125, 6);
    expect(cost.sqs).toBeCloseTo(9 * 0.4, 6);
    expect(cost.total).toBeCloseTo(cost.stepFunctions + cost.lambda + cost.dynamoDb + cost.sqs, 9);
  });

  it('takes the pivot refusing as the worst compensating path: every earlier step undone, outcome published', () => {
    const compensating = path(placeOrderLike, 'compensating');
    // Reserve, Charge, Ship (refused), Compensate Charge, Compensate Reserve, Publish, SagaCompensated.
    expect(compensating.transitions).toBe(7);
    expect(compensating.description).toBe('Ship refused (business error), then compensate Charge, Reserve');
    // Two committed actions (6 each), a refusal (0), two undos (barrier, condition, write, event: 8 each).
    expect(compensating.writeRequestUnits).toBe(2 * 6 + 2 * 8);
  });

  it('takes a compensation failing for good after the longest chain as the parked path, with its retries billed', () => {
    const parked = path(placeOrderLike, 'parked');
    // 3 forward, Compensate Charge, Compensate Reserve 1 + 6 retries, Park, Decide, Publish, SagaParked.
    expect(parked.transitions).toBe(3 + 1 + 7 + 4);
    expect(parked.description).toMatch(/^the compensation of Reserve fails for good \(6 retries\)/);
  });

  it('adds the input Choice to every path and leaves the publish Task out when that outcome is not published', () => {
    const plan: SagaCostPlan = { ...placeOrderLike, validatesInput: true, publishes: [] };
    expect(path(plan, 'happy').transitions).toBe(1 + 3 + 1);
    expect(path(plan, 'compensating').transitions).toBe(1 + 3 + 2 + 1);
  });

  it('does not price an Express saga per transition', () => {
    const report = estimateSagaCost({ ...placeOrderLike, type: 'EXPRESS' });
    expect(report.paths.every((p) => p.usdPerMillion === undefined)).toBe(true);
    expect(formatSagaCost(report)).toContain('Express workflows are billed per request');
  });

  it('reports write units per participant action, compensation and empty compensation', () => {
    const report = estimateSagaCost(placeOrderLike, PRICES_US_EAST_1_2026_12, { itemKb: 2 });
    expect(report.writeUnits).toEqual([
      { step: 'Reserve', participant: 'ReserveService', action: 12, compensation: 16, emptyCompensation: 8 },
      { step: 'Charge', participant: 'ChargeService', action: 12, compensation: 16, emptyCompensation: 8 },
      { step: 'Ship', participant: 'ShipService', action: 12 },
    ]);
  });

  it('names the step form it does not know and where to add its counts', () => {
    const plan = { ...placeOrderLike, steps: [step('Group', 'compensatable', { form: 'parallel' })] };
    expect(() => estimateSagaCost(plan)).toThrow(
      'Step "Group" has step form "parallel", which the cost model does not know (known: task). Add its counts to STEP_FORM_COSTS.',
    );
  });
});

describe('the model against executions on the interpreter', () => {
  const { saga, definition, template } = buildSaga({ steps: tripSteps });

  it('reads the plan back from the template, as stepsaga cost does', () => {
    const stacks = [{ stackName: 'SagaTest', template: template.toJSON(), directory: '.' }];
    expect(sagaCostPlans(stacks)).toEqual([saga.costPlan]);
    expect(saga.costPlan.steps.map((s) => [s.name, s.kind, s.retryAttempts])).toEqual([
      ['BookHotel', 'compensatable', 3],
      ['BookFlight', 'compensatable', 3],
      ['ChargeCard', 'pivot', 3],
      ['SendItinerary', 'retriable', 6],
    ]);
  });

  const report = estimateSagaCost(saga.costPlan);
  const modelled = (name: string) => report.paths.find((p) => p.path === name)!.transitions;
  const input = { tripId: 'trip-1', customerId: 'c-1', amount: 100 };
  /** The interpreter's log: one StateEntered per state entered, one StateRetried per retry. */
  const billed = (run: Awaited<ReturnType<typeof runSaga>>) =>
    run.events.filter((e) => e.type === 'StateEntered' || e.type === 'StateRetried').length;

  it('matches the happy path', async () => {
    const run = await runSaga(definition, input);
    expect(run.status).toBe('SUCCEEDED');
    expect(billed(run)).toBe(modelled('happy'));
  });

  it('matches the worst compensating path (the pivot refuses)', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        ChargeCard: () => {
          throw Object.assign(new Error('card declined'), { name: ErrorNames.business });
        },
      },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(billed(run)).toBe(modelled('compensating'));
  });

  it('matches the parked path: every retry of the first compensation billed', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        ChargeCard: () => {
          throw Object.assign(new Error('card declined'), { name: ErrorNames.business });
        },
        'Compensate BookHotel': () => {
          throw Object.assign(new Error('hotel system down'), { name: ErrorNames.transient });
        },
      },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(billed(run)).toBe(modelled('parked'));
  });

  it('counts a retry as one more billed transition in an execution history', () => {
    const history = [
      { type: 'ExecutionStarted' },
      { type: 'TaskStateEntered' },
      { type: 'LambdaFunctionScheduled' },
      { type: 'LambdaFunctionFailed' },
      { type: 'LambdaFunctionScheduled' },
      { type: 'LambdaFunctionSucceeded' },
      { type: 'TaskStateExited' },
      { type: 'SucceedStateEntered' },
      { type: 'ExecutionSucceeded' },
    ];
    expect(billedTransitions(history)).toBe(3);
  });
});
