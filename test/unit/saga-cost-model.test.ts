import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ErrorNames } from '../../functions/runtime/errors.js';
import { billedTransitions, type HistoryEventLike } from '../../infra/constructs/cost/billed-transitions.js';
import { happyPathWithChildren } from '../../infra/constructs/cost/child-saga-cost.js';
import { formatSagaCost } from '../../infra/constructs/cost/cost-report-text.js';
import { PRICES_US_EAST_1_2026_12 } from '../../infra/constructs/cost/prices-us-east-1.2026-12.js';
import { estimateSagaCost } from '../../infra/constructs/cost/saga-cost-model.js';
import type { SagaCostPlan, StepCostPlan } from '../../infra/constructs/cost/saga-cost-plan.js';
import { Saga } from '../../infra/constructs/saga/index.js';
import { sagaCostPlans } from '../../infra/local/cli/cost.js';
import { buildSaga, inlineFunction, tripSteps } from './saga-fixtures.js';
import { type AslDefinition, definitionFromTemplate, runSaga, type SagaRun } from './saga-local-harness.js';

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

  it('counts a parallel group as its Parallel state plus one Task per branch', () => {
    const plan: SagaCostPlan = {
      ...placeOrderLike,
      steps: [
        step('Reserve', 'compensatable'),
        step('Hotel', 'compensatable', { group: 'Travel' }),
        step('Flight', 'compensatable', { group: 'Travel' }),
        step('Ship', 'pivot'),
      ],
    };
    // Reserve, Travel, Hotel, Flight, Ship, SagaSucceeded.
    expect(path(plan, 'happy').transitions).toBe(6);
    expect(path(plan, 'happy').lambdaInvocations).toBe(4);
    // ... Ship refused, Compensate Flight, Hotel, Reserve, Publish, SagaCompensated.
    expect(path(plan, 'compensating').transitions).toBe(5 + 3 + 2);
  });

  it('compensates every branch of a group, then the earlier steps, when a branch refuses', () => {
    const plan: SagaCostPlan = {
      ...placeOrderLike,
      publishes: [],
      steps: [
        step('Reserve', 'compensatable'),
        step('Hotel', 'compensatable', { group: 'Travel' }),
        step('Flight', 'compensatable', { group: 'Travel' }),
      ],
    };
    const compensating = path(plan, 'compensating');
    expect(compensating.description).toBe(
      'Flight refused (business error) in group Travel, then compensate Flight, Hotel, Reserve',
    );
    // Reserve, Travel, Hotel, Flight (refused), three compensations, SagaCompensated.
    expect(compensating.transitions).toBe(4 + 3 + 1);
    // Reserve and Hotel committed (6 each), Flight refused; Hotel and Reserve undone (8), Flight empty (4).
    expect(compensating.writeRequestUnits).toBe(2 * 6 + 2 * 8 + 4);
  });

  it('parks a retriable group as one, its failing branch retried and its sibling committed', () => {
    const plan: SagaCostPlan = {
      ...placeOrderLike,
      compensationRetryAttempts: 0,
      steps: [
        step('Ship', 'pivot'),
        step('Mail', 'retriable', { group: 'Notify', retryAttempts: 6 }),
        step('Loyalty', 'retriable', { group: 'Notify', retryAttempts: 6 }),
      ],
    };
    const parked = path(plan, 'parked');
    // Ship, Notify, Mail, Loyalty + 6 retries, Park Notify, Decide Notify, Publish, SagaParked.
    expect(parked.transitions).toBe(4 + 6 + 4);
    expect(parked.description).toMatch(/^Loyalty fails for good \(6 retries\)/);
  });

  it('undoes a refused callback step (its action committed before the answer) and a child step by its compensation saga', () => {
    const plan: SagaCostPlan = {
      ...placeOrderLike,
      publishes: [],
      steps: [
        step('Reserve', 'compensatable'),
        step('Authorize', 'compensatable', { form: 'callback' }),
        step('RentCar', 'compensatable', {
          form: 'child',
          participant: { name: 'saga RentCar' },
          childSaga: 'RentCar',
          compensationSaga: 'ReturnCar',
        }),
      ],
    };
    const report = estimateSagaCost(plan);
    const compensating = report.paths.find((p) => p.path === 'compensating')!;
    // The child ending failed compensated itself: only Authorize and Reserve are undone.
    expect(compensating.description).toBe(
      "RentCar's child saga RentCar ended failed (it compensated itself), then compensate Authorize, Reserve",
    );
    expect(compensating.transitions).toBe(3 + 2 + 1);
    // The child step invokes no participant of the parent's.
    expect(compensating.lambdaInvocations).toBe(4);
    expect(report.childSagas).toEqual([
      { step: 'RentCar', childSaga: 'RentCar', compensationSaga: 'ReturnCar' },
    ]);
    // Its child saga's participants write, billed to the child: no row of its own.
    expect(report.writeUnits.map((w) => w.step)).toEqual(['Reserve', 'Authorize']);
    expect(formatSagaCost(report)).toContain(
      "RentCar runs the child saga RentCar (undone by ReturnCar): one transition here, plus the child saga RentCar's own cost",
    );

    const refusedAnswer = estimateSagaCost({ ...plan, steps: plan.steps.slice(0, 2) }).paths.find(
      (p) => p.path === 'compensating',
    )!;
    expect(refusedAnswer.description).toBe(
      'Authorize answered with a refusal, then compensate Authorize, Reserve',
    );
    // Both actions committed (6 each) and both are undone (8 each): no empty compensation.
    expect(refusedAnswer.writeRequestUnits).toBe(2 * 6 + 2 * 8);
  });

  it("adds the child saga's happy path to its parent's, children of children included", () => {
    const child = estimateSagaCost({
      ...placeOrderLike,
      sagaName: 'RentCar',
      publishes: [],
      steps: [step('Rent', 'pivot')],
    });
    const parent = estimateSagaCost({
      ...placeOrderLike,
      sagaName: 'Trip',
      steps: [
        step('Reserve', 'compensatable'),
        step('RentCar', 'pivot', {
          form: 'child',
          childSaga: 'RentCar',
          participant: { name: 'saga RentCar' },
        }),
      ],
    });
    const total = happyPathWithChildren(parent, new Map([['RentCar', child]]))!;
    expect(total.transitions).toBe(3 + 2);
    expect(total.lambdaInvocations).toBe(2);
    expect(total.usdPerMillion!.total).toBeCloseTo(
      parent.paths[0]!.usdPerMillion!.total + child.paths[0]!.usdPerMillion!.total,
      9,
    );
    expect(total.missing).toEqual([]);
    expect(happyPathWithChildren(parent, new Map())!.missing).toEqual(['RentCar']);
    expect(formatSagaCost(parent, total)).toContain('happy with child sagas: 5 transitions, 2 Lambda');
  });

  it('names the step form it does not know and where to add its counts', () => {
    const plan = { ...placeOrderLike, steps: [step('Group', 'compensatable', { form: 'saga-loop' })] };
    expect(() => estimateSagaCost(plan)).toThrow(
      'Step "Group" has step form "saga-loop", which the cost model does not know (known: task, callback, child). Add its counts to STEP_FORM_COSTS.',
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

/** The interpreter's log as Step Functions history events: a Task visit schedules once, each retry again. */
function history(run: SagaRun, definition: AslDefinition): HistoryEventLike[] {
  const types = new Map<string, string>();
  const collect = (states: AslDefinition['States']) => {
    for (const [name, state] of Object.entries(states)) {
      types.set(name, state.Type);
      for (const branch of (state['Branches'] as { States: AslDefinition['States'] }[] | undefined) ?? []) {
        collect(branch.States);
      }
    }
  };
  collect(definition.States);
  return run.events.flatMap((event): HistoryEventLike[] => {
    if (event.type === 'StateEntered') {
      const type = types.get(event.state.name)!;
      return type === 'Task'
        ? [{ type: 'TaskStateEntered' }, { type: 'TaskScheduled' }]
        : [{ type: `${type}StateEntered` }];
    }
    return event.type === 'StateRetried' ? [{ type: 'TaskScheduled' }] : [];
  });
}

describe('the model against executions of every step form on the interpreter', () => {
  // BookTrip's shape: a compensatable group, a callback step, a child saga, the pivot, a retriable group.
  const stack = new Stack(new App(), 'CostForms');
  const rentCar = new Saga(stack, 'RentCar', {
    steps: [{ name: 'Rent', participant: inlineFunction(stack, 'Cars'), action: 'rent', kind: 'pivot' }],
  });
  const returnCar = new Saga(stack, 'ReturnCar', {
    steps: [
      { name: 'Return', participant: inlineFunction(stack, 'Returns'), action: 'return', kind: 'pivot' },
    ],
  });
  const fn = (id: string) => inlineFunction(stack, id);
  const trip = new Saga(stack, 'Trip', {
    steps: [
      {
        name: 'BookTravel',
        parallel: [
          { name: 'BookHotel', participant: fn('Hotel'), action: 'book', compensation: 'cancel' },
          { name: 'BookFlight', participant: fn('Flight'), action: 'book', compensation: 'cancel' },
        ],
      },
      {
        name: 'AuthorizePayment',
        participant: fn('Payment'),
        action: 'requestAuthorization',
        compensation: 'void',
        callback: { timeout: Duration.minutes(15) },
      },
      { name: 'RentCar', childSaga: rentCar, compensationSaga: returnCar },
      { name: 'ConfirmTrip', participant: fn('Itinerary'), action: 'book', kind: 'pivot' },
      {
        name: 'Notify',
        parallel: [
          { name: 'SendItinerary', participant: fn('Mail'), action: 'send' },
          { name: 'TellLoyalty', participant: fn('Loyalty'), action: 'credit' },
        ],
      },
    ],
  });
  const template = Template.fromStack(stack);
  const definition = definitionFromTemplate(template, 'Trip');
  const report = estimateSagaCost(trip.costPlan);
  const modelled = (name: string) => report.paths.find((p) => p.path === name)!;
  const input = { tripId: 'trip-2', customerId: 'c-2', amount: 700 };
  const childEnded = () => ({
    ExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:RentCar:x',
    Status: 'SUCCEEDED',
    Output: { ...input, results: { Rent: {} } },
  });
  const named = (name: string, message: string) => () => {
    throw Object.assign(new Error(message), { name });
  };

  it('plans each step with its form and group', () => {
    expect(trip.costPlan.steps.map((s) => [s.name, s.form, s.group ?? '-'])).toEqual([
      ['BookHotel', 'task', 'BookTravel'],
      ['BookFlight', 'task', 'BookTravel'],
      ['AuthorizePayment', 'callback', '-'],
      ['RentCar', 'child', '-'],
      ['ConfirmTrip', 'task', '-'],
      ['SendItinerary', 'task', 'Notify'],
      ['TellLoyalty', 'task', 'Notify'],
    ]);
    expect(report.childSagas).toEqual([
      { step: 'RentCar', childSaga: 'RentCar', compensationSaga: 'ReturnCar' },
    ]);
  });

  it('matches the happy path', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { AuthorizePayment: () => ({ authorizationId: 'A-1' }), RentCar: childEnded },
    });
    expect(run.status).toBe('SUCCEEDED');
    // BookTravel + 2 branches, AuthorizePayment, RentCar, ConfirmTrip, Notify + 2 branches, Succeeded.
    expect(modelled('happy').transitions).toBe(10);
    expect(billedTransitions(history(run, definition))).toBe(modelled('happy').transitions);
    expect(run.invocations.filter((i) => i.state !== 'RentCar')).toHaveLength(
      modelled('happy').lambdaInvocations,
    );
  });

  it('matches the worst compensating path (the pivot refuses: the child, the callback and both branches undone)', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        AuthorizePayment: () => ({ authorizationId: 'A-2' }),
        RentCar: childEnded,
        ConfirmTrip: named(ErrorNames.business, 'no seats left'),
      },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(modelled('compensating').description).toBe(
      'ConfirmTrip refused (business error), then compensate RentCar, AuthorizePayment, BookFlight, BookHotel',
    );
    expect(billedTransitions(history(run, definition))).toBe(modelled('compensating').transitions);
  });

  it('matches a branch refusing inside the group (every branch compensated, then the earlier steps)', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { BookFlight: named(ErrorNames.business, 'flight full') },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    const plan = { ...trip.costPlan, steps: trip.costPlan.steps.slice(0, 2) };
    const compensating = estimateSagaCost(plan).paths.find((p) => p.path === 'compensating')!;
    expect(compensating.description).toBe(
      'BookFlight refused (business error) in group BookTravel, then compensate BookFlight, BookHotel',
    );
    expect(billedTransitions(history(run, definition))).toBe(compensating.transitions);
  });

  it('matches the parked path: the first branch compensation fails for good after the longest chain', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        AuthorizePayment: () => ({ authorizationId: 'A-3' }),
        RentCar: childEnded,
        ConfirmTrip: named(ErrorNames.business, 'no seats left'),
        'Compensate BookHotel': named(ErrorNames.transient, 'hotel system down'),
      },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(modelled('parked').description).toMatch(/^the compensation of BookHotel fails for good/);
    expect(billedTransitions(history(run, definition))).toBe(modelled('parked').transitions);
  });

  it('matches a retriable branch failing for good: its group parks as one', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        AuthorizePayment: () => ({ authorizationId: 'A-4' }),
        RentCar: childEnded,
        TellLoyalty: named(ErrorNames.transient, 'loyalty system down'),
      },
    });
    expect(run.error).toBe(ErrorNames.parked);
    // BookTravel + 2, AuthorizePayment, RentCar, ConfirmTrip, Notify + 2 with TellLoyalty's retries,
    // Park Notify, Decide Notify, SagaParked.
    const retries = trip.costPlan.steps.find((s) => s.name === 'TellLoyalty')!.retryAttempts;
    expect(billedTransitions(history(run, definition))).toBe(9 + retries + 3);
  });
});
