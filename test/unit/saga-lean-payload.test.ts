import type { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ErrorNames } from '../../functions/runtime/errors.js';
import type { SagaInputSchema, SagaStep } from '../../infra/constructs/saga/index.js';
import { buildSaga, inlineFunction } from './saga-fixtures.js';
import { runSaga } from './saga-local-harness.js';

const inputSchema: SagaInputSchema = {
  tripId: 'string',
  customerId: 'string',
  amount: 'number',
  note: { type: 'string', optional: true },
};

/** A trip whose later steps receive only what they need, and whose first step keeps one field. */
function leanSteps(overrides: Partial<Record<string, Partial<SagaStep>>> = {}) {
  return (stack: Stack): SagaStep[] =>
    [
      {
        name: 'BookHotel',
        participant: inlineFunction(stack, 'Hotel'),
        action: 'book',
        compensation: 'cancel',
        keepResult: ['hotel'],
      },
      {
        name: 'BookFlight',
        participant: inlineFunction(stack, 'Flight'),
        action: 'book',
        compensation: 'cancel',
        select: ['$.tripId', '$.results.BookHotel'],
      },
      {
        name: 'ChargeCard',
        participant: inlineFunction(stack, 'Card'),
        action: 'charge',
        kind: 'pivot' as const,
        select: ['$.customerId', '$.amount'],
      },
    ].map((step) => ({ ...step, ...overrides[step.name] }));
}

const input = { tripId: 'trip-1', customerId: 'c-1', amount: 100, note: 'window seat' };

describe('lean payloads at synth', () => {
  const refusal =
    (overrides: Parameters<typeof leanSteps>[0], schema: SagaInputSchema | null = inputSchema) =>
    () =>
      buildSaga({ steps: leanSteps(overrides), ...(schema ? { inputSchema: schema } : {}) });

  it.each([
    [
      'an unknown step',
      { BookFlight: { select: ['$.results.BookHotle'] } },
      'Saga "Trip", step "BookFlight": `select` path "$.results.BookHotle" names no step of the saga (steps: BookHotel, BookFlight, ChargeCard). Fix the step name; results are keyed by step name.',
    ],
    [
      'a later step',
      { BookFlight: { select: ['$.results.ChargeCard'] } },
      'Saga "Trip", step "BookFlight": `select` path "$.results.ChargeCard" selects the result of "ChargeCard", which runs after "BookFlight" (step 3 after step 2), so its result does not exist yet. Select results of earlier steps only (BookHotel), or move the step.',
    ],
    [
      'the step itself',
      { BookFlight: { select: ['$.results.BookFlight'] } },
      'Saga "Trip", step "BookFlight": `select` path "$.results.BookFlight" selects the result of this very step, which does not exist before it runs. Select results of earlier steps only (BookHotel), or move the step.',
    ],
    [
      'a part of a result',
      { BookFlight: { select: ['$.results.BookHotel.hotel'] } },
      'Saga "Trip", step "BookFlight": `select` path "$.results.BookHotel.hotel" selects a part of the result of "BookHotel". Select the whole result, "$.results.BookHotel", and give "BookHotel" a `keepResult` listing only the fields to keep.',
    ],
    [
      'an optional input field',
      { ChargeCard: { select: ['$.note'] } },
      'Saga "Trip", step "ChargeCard": `select` path "$.note" selects the optional input field "note". A selected field missing at run time fails the execution with States.Runtime, which no Catch handles (nothing would be compensated). Declare "note" as a required field in `inputSchema`, or do not select it.',
    ],
    [
      'an undeclared input field',
      { ChargeCard: { select: ['$.currency'] } },
      'Saga "Trip", step "ChargeCard": `select` path "$.currency" selects the input field "currency", which the saga\'s `inputSchema` does not declare. A selected field missing at run time',
    ],
    [
      'a nested input path',
      { ChargeCard: { select: ['$.card.number'] } },
      'Saga "Trip", step "ChargeCard": `select` path "$.card.number" is neither a top-level input field ("$.<field>") nor an earlier result ("$.results.<Step>"). Select whole top-level input fields and whole results; keep results small with `keepResult`.',
    ],
    [
      'a selection on the first step',
      { BookHotel: { select: ['$.tripId'] } },
      'Saga "Trip", step "BookHotel": `select` ["$.tripId"] on the first step: it receives the whole input so that it can refuse an input over `maxInputBytes` before anything commits',
    ],
    [
      'an empty keepResult',
      { BookHotel: { keepResult: [] } },
      'Saga "Trip", step "BookHotel": `keepResult` is empty, so the step would keep nothing of its result.',
    ],
  ])('refuses %s, naming the saga, the step, the path and the fix', (_what, overrides, message) => {
    expect(refusal(overrides)).toThrow(message);
  });

  it('refuses input fields without an inputSchema, which alone guarantees they exist', () => {
    expect(refusal({}, null)).toThrow(
      'Saga "Trip", step "BookFlight": `select` path "$.tripId" selects the input field "tripId", which the saga\'s `inputSchema` does not declare.',
    );
  });
});

describe('lean payloads on the interpreter', () => {
  const { definition } = buildSaga({ steps: leanSteps(), inputSchema });

  it('sends each participant only its selection, asks the first step to keep one field, and gives compensations the same selection', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        // The interpreter stands in for the runtime, which answers with the kept fields only.
        BookHotel: (request) => {
          expect(request.keep).toEqual(['hotel']);
          return { hotel: 'H-1' };
        },
        BookFlight: () => ({ flight: 'F-9' }),
        ChargeCard: () => {
          throw Object.assign(new Error('declined'), { name: ErrorNames.business });
        },
      },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    const requests = Object.fromEntries(run.invocations.map((i) => [i.state, i.request]));
    expect(requests['BookHotel']).toMatchObject({ input, results: {} });
    expect(requests['BookFlight']).toMatchObject({
      input: { tripId: 'trip-1' },
      results: { BookHotel: { hotel: 'H-1' } },
    });
    expect(requests['BookFlight']?.keep).toBeUndefined();
    expect(requests['ChargeCard']).toMatchObject({ input: { customerId: 'c-1', amount: 100 }, results: {} });
    // The compensation parses the same input schema as its action, so it gets the same selection.
    expect(requests['Compensate BookFlight']).toMatchObject({
      phase: 'compensation',
      input: { tripId: 'trip-1' },
      results: { BookHotel: { hotel: 'H-1' } },
    });
    expect(requests['Compensate BookFlight']?.keep).toBeUndefined();
    expect(requests['Compensate BookHotel']).toMatchObject({ input });
  });
});
