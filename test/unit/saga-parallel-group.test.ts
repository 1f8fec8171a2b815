import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import type { ParticipantRequest } from '../../functions/runtime/contract.js';
import { BusinessError, ErrorNames, TransientError } from '../../functions/runtime/errors.js';
import { Saga, type SagaProps, type SagaStep } from '../../infra/constructs/saga/index.js';
import { buildSaga, inlineFunction } from './saga-fixtures.js';
import { type Behaviour, runSaga, type SagaRun } from './saga-local-harness.js';

/** Reserve, then hotel and flight at the same time, then the pivot and a retriable step. */
function travelSteps(stack: Stack): NonNullable<SagaProps['steps']>[number][] {
  const fn = (id: string) => inlineFunction(stack, id);
  return [
    { name: 'Reserve', participant: fn('Stock'), action: 'reserve', compensation: 'release' },
    {
      name: 'Travel',
      parallel: [
        { name: 'BookHotel', participant: fn('Hotel'), action: 'book', compensation: 'cancel' },
        { name: 'BookFlight', participant: fn('Flight'), action: 'book', compensation: 'cancel' },
      ],
    },
    { name: 'ChargeCard', participant: fn('Card'), action: 'charge', kind: 'pivot' },
    {
      name: 'Notify',
      parallel: [
        { name: 'SendItinerary', participant: fn('Mail'), action: 'send' },
        { name: 'TellLoyalty', participant: fn('Loyalty'), action: 'credit' },
      ],
    },
  ];
}

const { definition } = buildSaga({ steps: travelSteps });
const input = { tripId: 'trip-9', amount: 500 };

const refuse =
  (message: string): Behaviour =>
  () => {
    throw new BusinessError(message, 'NOPE');
  };
const calls = (run: SagaRun) => run.invocations.map((i) => `${i.request.phase}:${i.request.step}`);
const sorted = (run: SagaRun, from: number, to: number) => calls(run).slice(from, to).sort();

describe('Parallel groups on the local interpreter', () => {
  it('runs both branches and keeps every result under $.results.<step>, in one Parallel state', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        Reserve: () => ({ reservation: 'R-1' }),
        BookHotel: () => ({ hotel: 'H-1' }),
        BookFlight: () => ({ flight: 'F-1' }),
        ChargeCard: () => ({ charge: 'C-1' }),
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toEqual({
      ...input,
      results: {
        Reserve: { reservation: 'R-1' },
        BookHotel: { hotel: 'H-1' },
        BookFlight: { flight: 'F-1' },
        ChargeCard: { charge: 'C-1' },
        SendItinerary: {},
        TellLoyalty: {},
      },
    });
    expect(calls(run)[0]).toBe('action:Reserve');
    expect(sorted(run, 1, 3)).toEqual(['action:BookFlight', 'action:BookHotel']);
    expect(calls(run)[3]).toBe('action:ChargeCard');
    expect(sorted(run, 4, 6)).toEqual(['action:SendItinerary', 'action:TellLoyalty']);
    // 2 steps + 2 groups of 2 branches (the Parallel state and each branch's Task) + the terminal.
    expect(run.statesEntered).toHaveLength(2 + 2 * 3 + 1);
  });

  it('sends each branch the results of the steps before the group, not those of its sibling', async () => {
    const run = await runSaga(definition, input, { behaviours: { Reserve: () => ({ reservation: 'R-1' }) } });
    const hotel = run.invocations.find((i) => i.request.step === 'BookHotel')!.request;
    expect(hotel).toMatchObject<Partial<ParticipantRequest>>({
      step: 'BookHotel',
      phase: 'action',
      action: 'book',
      input,
      results: { Reserve: { reservation: 'R-1' } },
    });
  });

  for (const failing of ['BookHotel', 'BookFlight']) {
    it(`compensates every branch of the group once, then the earlier steps, when ${failing} refuses`, async () => {
      const run = await runSaga(definition, input, { behaviours: { [failing]: refuse(`${failing} full`) } });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe(ErrorNames.compensated);
      const compensations = calls(run).filter((c) => c.startsWith('compensation:'));
      expect(compensations).toEqual([
        'compensation:BookFlight',
        'compensation:BookHotel',
        'compensation:Reserve',
      ]);
      expect(JSON.parse(run.cause!)).toEqual({
        Travel: { Error: ErrorNames.business, Cause: `${failing} full` },
      });
      expect(run.parked).toEqual([]);
    });
  }

  it('compensates the group as a unit, in reverse, when the pivot after it refuses', async () => {
    const run = await runSaga(definition, input, { behaviours: { ChargeCard: refuse('declined') } });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run).slice(3)).toEqual([
      'action:ChargeCard',
      'compensation:BookFlight',
      'compensation:BookHotel',
      'compensation:Reserve',
    ]);
  });

  it('does not run the group when the step before it refuses', async () => {
    const run = await runSaga(definition, input, { behaviours: { Reserve: refuse('no stock') } });
    expect(calls(run)).toEqual(['action:Reserve', 'compensation:Reserve']);
  });

  it('compensates a branch that was still running when its sibling failed, and whose action returns later', async () => {
    const timeline: string[] = [];
    let finishFlight: () => void = () => {};
    const flightDone = new Promise<void>((resolve) => {
      finishFlight = resolve;
    });
    const run = await runSaga(definition, input, {
      behaviours: {
        BookFlight: () =>
          new Promise((resolve) => {
            timeline.push('flight action started');
            // Still running when the hotel refuses; it answers only after its compensation was sent.
            flightDone.then(() => {
              timeline.push('flight action answered');
              resolve({ flight: 'F-late' });
            });
          }),
        BookHotel: () => {
          timeline.push('hotel refused');
          throw new BusinessError('hotel full', 'NOPE');
        },
        'Compensate BookFlight': () => {
          timeline.push('flight compensated');
          finishFlight();
          return {};
        },
      },
    });
    await flightDone;
    expect(run.error).toBe(ErrorNames.compensated);
    expect(timeline.indexOf('flight compensated')).toBeLessThan(timeline.indexOf('flight action answered'));
    expect(timeline.filter((t) => t === 'flight compensated')).toHaveLength(1);
    expect(calls(run).filter((c) => c.startsWith('compensation:'))).toEqual([
      'compensation:BookFlight',
      'compensation:BookHotel',
      'compensation:Reserve',
    ]);
  });

  it('retries a transient failure inside its branch without failing the group', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        BookFlight: (_r, attempt) => {
          if (attempt === 1) throw new TransientError('throttled');
          return { flight: 'F-2' };
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls(run).filter((c) => c === 'action:BookFlight')).toHaveLength(2);
    expect(calls(run).filter((c) => c === 'action:BookHotel')).toHaveLength(1);
  });

  it('parks a retriable group as one and reruns every branch when the operator retries it', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        TellLoyalty: (_r, attempt) => {
          if (attempt === 1) throw new Error('loyalty down');
          return { points: 50 };
        },
      },
      decisions: { 'Park Notify': ['retry'] },
    });
    expect([run.status, run.error, run.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(run.parked.map((p) => [p.state, p.step, p.phase])).toEqual([['Notify', 'Notify', 'action']]);
    expect(calls(run).filter((c) => c === 'action:SendItinerary')).toHaveLength(2);
    expect(calls(run).filter((c) => c.startsWith('compensation:'))).toEqual([]);
    expect((run.output as { results: Record<string, unknown> }).results['TellLoyalty']).toEqual({
      points: 50,
    });
  });

  it('starts a saga with a group: branches get empty results and a refusal compensates both', async () => {
    const { definition: first } = buildSaga({
      steps: (stack) => [
        {
          name: 'Travel',
          parallel: [
            {
              name: 'BookHotel',
              participant: inlineFunction(stack, 'Hotel'),
              action: 'book',
              compensation: 'cancel',
            },
            {
              name: 'BookFlight',
              participant: inlineFunction(stack, 'Flight'),
              action: 'book',
              compensation: 'cancel',
            },
          ],
        },
        { name: 'ChargeCard', participant: inlineFunction(stack, 'Card'), action: 'charge', kind: 'pivot' },
      ],
    });
    const ok = await runSaga(first, input);
    expect(ok.status).toBe('SUCCEEDED');
    expect(ok.invocations[0]!.request.results).toEqual({});
    const refused = await runSaga(first, input, { behaviours: { ChargeCard: refuse('declined') } });
    expect(calls(refused).filter((c) => c.startsWith('compensation:'))).toEqual([
      'compensation:BookFlight',
      'compensation:BookHotel',
    ]);
    const branchRefused = await runSaga(first, input, { behaviours: { BookHotel: refuse('full') } });
    expect(branchRefused.error).toBe(ErrorNames.compensated);
    expect(calls(branchRefused).filter((c) => c.startsWith('compensation:'))).toEqual([
      'compensation:BookFlight',
      'compensation:BookHotel',
    ]);
    expect(
      branchRefused.invocations.find((i) => i.request.phase === 'compensation')!.request.results,
    ).toEqual({});
  });
});

describe('Parallel group validation at synth', () => {
  const build = (steps: (fn: ReturnType<typeof inlineFunction>) => SagaProps['steps']) => () => {
    const stack = new Stack(new App(), 'GroupValidation');
    return new Saga(stack, 'Trip', { steps: steps(inlineFunction(stack, 'Fn')) });
  };
  const comp = (name: string, participant: SagaStep['participant']): SagaStep => ({
    name,
    participant,
    action: 'do',
    compensation: 'undo',
  });

  it('refuses a group holding the declared pivot', () => {
    expect(
      build((fn) => [
        {
          name: 'G',
          parallel: [comp('A', fn), { name: 'Pay', participant: fn, action: 'pay', kind: 'pivot' }],
        },
      ]),
    ).toThrow(
      'Saga "Trip", parallel group "G", step "Pay": a group cannot hold the pivot (its point of no return could commit while another branch fails). Declare the pivot as its own step after the group, or make "Pay" compensatable with a compensation.',
    );
  });

  it('refuses a last group whose last step would become the pivot', () => {
    expect(
      build((fn) => [
        comp('A', fn),
        { name: 'G', parallel: [comp('B', fn), { name: 'C', participant: fn, action: 'do' }] },
      ]),
    ).toThrow(
      'Saga "Trip", parallel group "G", step "C": the step has no compensation and is the last step, so it would be the pivot, but a group cannot hold the pivot',
    );
  });

  it('refuses a group mixing compensatable and retriable steps', () => {
    expect(
      build((fn) => [
        { name: 'Pay', participant: fn, action: 'pay', kind: 'pivot' },
        { name: 'G', parallel: [{ name: 'A', participant: fn, action: 'do' }, comp('B', fn)] },
      ]),
    ).toThrow(
      'Saga "Trip", parallel group "G": its steps mix kinds (A: retriable, B: compensatable). A group before the pivot holds only compensatable steps, one after the pivot only retriable steps.',
    );
  });

  it('refuses a compensatable group after the pivot, naming a step of the group', () => {
    expect(
      build((fn) => [
        { name: 'Pay', participant: fn, action: 'pay', kind: 'pivot' },
        { name: 'G', parallel: [comp('A', fn), comp('B', fn)] },
      ]),
    ).toThrow('Saga "Trip", step "A": a compensatable step cannot follow the pivot "Pay"');
  });

  it('refuses a group of one step', () => {
    expect(build((fn) => [{ name: 'G', parallel: [comp('A', fn)] }, comp('B', fn)])).toThrow(
      'Saga "Trip", parallel group "G": a parallel group needs at least two steps (got 1). Add steps to `parallel`, or declare a single step without a group.',
    );
  });

  it('refuses a group named like a step', () => {
    expect(build((fn) => [{ name: 'A', parallel: [comp('A', fn), comp('B', fn)] }])).toThrow(
      'Saga "Trip", parallel group "A": the name is used by a step or another group; state names must be unique. Rename the group.',
    );
  });
});
