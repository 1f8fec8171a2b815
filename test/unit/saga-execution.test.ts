import { describe, expect, it } from 'vitest';
import type { ParticipantRequest } from '../../functions/runtime/contract.js';
import {
  BusinessError,
  ErrorNames,
  RequestMismatchError,
  TransientError,
} from '../../functions/runtime/errors.js';
import { checkResultSize, checkSagaInput } from '../../functions/runtime/limits.js';
import { buildSaga, tripSteps } from './saga-fixtures.js';
import { type Behaviour, PARKED_AT, runSaga, type SagaRun, TASK_TOKEN } from './saga-local-harness.js';

// The synthesized definition of a saga with two compensatable steps, a pivot and a retriable step.
const { definition } = buildSaga({ steps: tripSteps });
const input = { tripId: 'trip-7', customerId: 'c-1', amount: 12_300 };

const fail =
  (error: Error): Behaviour =>
  () => {
    throw error;
  };
/** Fails the first `times` attempts with `error`, then returns `result`. */
const failTimes =
  (times: number, error: () => Error, result: Record<string, string> = { ok: 'yes' }): Behaviour =>
  (_request, attempt) => {
    if (attempt <= times) throw error();
    return result;
  };

const calls = (run: SagaRun) => run.invocations.map((i) => `${i.request.phase}:${i.request.step}`);

describe('Saga execution on the local interpreter', () => {
  it('runs every step once, in order, and succeeds with the input plus each step result', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { BookHotel: () => ({ hotel: 'H-1' }), BookFlight: () => ({ flight: 'F-9' }) },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls(run)).toEqual([
      'action:BookHotel',
      'action:BookFlight',
      'action:ChargeCard',
      'action:SendItinerary',
    ]);
    expect(run.output).toEqual({
      ...input,
      results: {
        BookHotel: { hotel: 'H-1' },
        BookFlight: { flight: 'F-9' },
        ChargeCard: {},
        SendItinerary: {},
      },
    });
    expect(run.statesEntered).toHaveLength(4 + 1);
  });

  it('sends participants a ParticipantRequest carrying the saga id, the input and earlier results', async () => {
    const run = await runSaga(definition, input, {
      executionName: 'trip-7-attempt-1',
      behaviours: { BookHotel: () => ({ hotel: 'H-1' }) },
    });
    const [first, second] = run.invocations.map((i) => i.request);
    expect(first).toEqual<ParticipantRequest>({
      sagaId: 'trip-7-attempt-1',
      sagaName: 'Trip',
      step: 'BookHotel',
      phase: 'action',
      action: 'book',
      input,
      results: {},
      // The step's share of the 256 KiB state: 64 KiB input, 32 KiB errors, keys, then four steps.
      budget: { inputBytes: 65_536, resultBytes: Math.floor((262_144 - 65_536 - 32_768 - 96 * 5) / 4) },
    });
    expect(second).toMatchObject({ step: 'BookFlight', results: { BookHotel: { hotel: 'H-1' } } });
  });

  const positions: [string, string[]][] = [
    ['BookHotel', ['action:BookHotel', 'compensation:BookHotel']],
    [
      'BookFlight',
      ['action:BookHotel', 'action:BookFlight', 'compensation:BookFlight', 'compensation:BookHotel'],
    ],
    [
      'ChargeCard',
      [
        'action:BookHotel',
        'action:BookFlight',
        'action:ChargeCard',
        'compensation:BookFlight',
        'compensation:BookHotel',
      ],
    ],
  ];
  for (const [failing, expected] of positions) {
    it(`compensates exactly the steps up to ${failing}, each once, in reverse order, when ${failing} refuses`, async () => {
      const run = await runSaga(definition, input, {
        behaviours: { [failing]: fail(new BusinessError(`${failing} refused`, 'NOPE')) },
      });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe(ErrorNames.compensated);
      expect(calls(run)).toEqual(expected);
      expect(JSON.parse(run.cause!)).toEqual({
        [failing]: { Error: ErrorNames.business, Cause: `${failing} refused` },
      });
      expect(run.parked).toEqual([]);
    });
  }

  it('compensates without retrying when a step is refused with SagaRequestMismatch, undoing that step too', async () => {
    // The step's barrier holds a commit of this saga instance from another request, so the step did
    // happen: its compensation runs as well (it undoes what the barrier recorded).
    const run = await runSaga(definition, input, {
      behaviours: { BookFlight: fail(new RequestMismatchError('BookFlight ran with another input')) },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run)).toEqual([
      'action:BookHotel',
      'action:BookFlight',
      'compensation:BookFlight',
      'compensation:BookHotel',
    ]);
    expect(JSON.parse(run.cause!)).toEqual({
      BookFlight: { Error: ErrorNames.requestMismatch, Cause: 'BookFlight ran with another input' },
    });
    expect(run.parked).toEqual([]);
  });

  it('parks rather than compensate around a pivot refused with SagaRequestMismatch', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { ChargeCard: fail(new RequestMismatchError('ChargeCard ran with another input')) },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe(ErrorNames.parked);
    expect(calls(run)).toEqual(['action:BookHotel', 'action:BookFlight', 'action:ChargeCard']);
    expect(run.parked).toHaveLength(1);
  });

  it('sends a compensation the compensation action and the results so far', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { BookHotel: () => ({ hotel: 'H-1' }), ChargeCard: fail(new BusinessError('declined')) },
    });
    const undo = run.invocations.filter((i) => i.request.phase === 'compensation').map((i) => i.request);
    expect(undo[0]).toMatchObject({
      step: 'BookFlight',
      action: 'cancel',
      input,
      results: { BookHotel: { hotel: 'H-1' }, BookFlight: {} },
    });
    expect(undo[1]).toMatchObject({ step: 'BookHotel', action: 'cancel', input, results: {} });
  });

  it('retries a transient failure and then succeeds without compensating', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { BookFlight: failTimes(2, () => new TransientError('throttled')) },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls(run)).toEqual([
      'action:BookHotel',
      'action:BookFlight',
      'action:BookFlight',
      'action:BookFlight',
      'action:ChargeCard',
      'action:SendItinerary',
    ]);
    expect(run.events.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
  });

  it('matches Retry and Catch on the thrown error name, as Lambda reports error.name as the error type', async () => {
    const lambdaThrottle = () =>
      Object.assign(new Error('Rate exceeded'), { name: 'Lambda.TooManyRequestsException' });
    const retried = await runSaga(definition, input, {
      behaviours: { BookHotel: failTimes(1, lambdaThrottle) },
    });
    expect(retried.status).toBe('SUCCEEDED');
    expect(calls(retried).filter((c) => c === 'action:BookHotel')).toHaveLength(2);

    const plain = await runSaga(definition, input, { behaviours: { BookHotel: fail(new TypeError('bad')) } });
    expect(calls(plain)).toEqual(['action:BookHotel', 'compensation:BookHotel']);
    expect(JSON.parse(plain.cause!)).toEqual({ BookHotel: { Error: 'TypeError', Cause: 'bad' } });
  });

  it('compensates once the transient retry budget of a forward step is spent', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { BookFlight: fail(new TransientError('still throttled')) },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run).filter((c) => c === 'action:BookFlight')).toHaveLength(1 + 3);
    expect(calls(run).slice(-2)).toEqual(['compensation:BookFlight', 'compensation:BookHotel']);
  });

  it('retries a failing compensation and goes on with the chain once it succeeds', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        ChargeCard: fail(new BusinessError('declined')),
        'Compensate BookFlight': failTimes(3, () => new Error('airline down')),
      },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run).filter((c) => c === 'compensation:BookFlight')).toHaveLength(4);
    expect(calls(run).at(-1)).toBe('compensation:BookHotel');
  });

  it('parks the saga when a compensation keeps failing: one park message, no further compensation, SagaParked', async () => {
    const run = await runSaga(definition, input, {
      executionName: 'trip-7',
      behaviours: {
        ChargeCard: fail(new BusinessError('declined')),
        'Compensate BookFlight': fail(new BusinessError('ticket already used')),
      },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe(ErrorNames.parked);
    expect(calls(run).filter((c) => c === 'compensation:BookFlight')).toHaveLength(1 + 6);
    expect(calls(run)).not.toContain('compensation:BookHotel');
    const errors = {
      ChargeCard: { Error: ErrorNames.business, Cause: 'declined' },
      'Compensate BookFlight': { Error: ErrorNames.business, Cause: 'ticket already used' },
    };
    expect(run.parked).toEqual([
      {
        sagaId: 'trip-7',
        sagaName: 'Trip',
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Saga:trip-7',
        state: 'Compensate BookFlight',
        step: 'BookFlight',
        phase: 'compensation',
        error: ErrorNames.business,
        cause: 'ticket already used',
        parkedAt: PARKED_AT,
        errors,
        taskToken: TASK_TOKEN,
        decisionTimeoutSeconds: 604_800,
      },
    ]);
    expect(JSON.parse(run.cause!)).toEqual(errors);
    // The operator abandoned it (the harness's default decision): two transitions, then the end.
    expect(run.statesEntered.slice(-3)).toEqual([
      'Park Compensate BookFlight',
      'Decide Compensate BookFlight',
      'SagaParked',
    ]);
  });

  it('on retry runs the parked compensation again and carries on compensating, in 2 more transitions than its rerun', async () => {
    // Fails its first attempt and 6 retries, then succeeds on the retry the operator asked for.
    const run = await runSaga(definition, input, {
      behaviours: {
        ChargeCard: fail(new BusinessError('declined')),
        'Compensate BookFlight': failTimes(7, () => new BusinessError('ticket locked')),
      },
      decisions: { 'Park Compensate BookFlight': ['retry'] },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run).filter((c) => c === 'compensation:BookFlight')).toHaveLength(8);
    expect(calls(run).at(-1)).toBe('compensation:BookHotel');
    expect(run.statesEntered).toEqual([
      'BookHotel',
      'BookFlight',
      'ChargeCard',
      'Compensate BookFlight',
      'Park Compensate BookFlight',
      'Decide Compensate BookFlight',
      'Compensate BookFlight',
      'Compensate BookHotel',
      'SagaCompensated',
    ]);
  });

  it('on skip leaves the parked compensation to the operator and runs the remaining compensations', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        ChargeCard: fail(new BusinessError('declined')),
        'Compensate BookFlight': fail(new BusinessError('ticket already used')),
      },
      decisions: { 'Park Compensate BookFlight': ['skip'] },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run).filter((c) => c === 'compensation:BookFlight')).toHaveLength(7);
    expect(run.statesEntered.slice(-4)).toEqual([
      'Park Compensate BookFlight',
      'Decide Compensate BookFlight',
      'Compensate BookHotel',
      'SagaCompensated',
    ]);
  });

  it('on skip after the pivot goes forward as if the parked step had succeeded', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { SendItinerary: fail(new TransientError('mail server down')) },
      decisions: { 'Park SendItinerary': ['retry', 'skip'] },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls(run).filter((c) => c === 'action:SendItinerary')).toHaveLength(2 * 7);
    expect(run.parked.map((p) => p.state)).toEqual(['SendItinerary', 'SendItinerary']);
    expect(run.statesEntered.slice(-3)).toEqual([
      'Park SendItinerary',
      'Decide SendItinerary',
      'SagaSucceeded',
    ]);
  });

  it('parks instead of compensating when a retriable step after the pivot exhausts its retries', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { SendItinerary: fail(new TransientError('mail server down')) },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(calls(run).filter((c) => c.startsWith('compensation:'))).toEqual([]);
    expect(calls(run).filter((c) => c === 'action:SendItinerary')).toHaveLength(1 + 6);
    expect(run.parked[0]!.errors).toEqual({
      SendItinerary: { Error: ErrorNames.transient, Cause: 'mail server down' },
    });
  });

  it('refuses input that breaks the input schema before any step runs', async () => {
    const validated = buildSaga({ steps: tripSteps, inputSchema: { tripId: 'string', amount: 'number' } });
    const bad = await runSaga(validated.definition, { tripId: 'trip-7', amount: '12' });
    expect(bad.error).toBe(ErrorNames.inputInvalid);
    expect(bad.invocations).toEqual([]);
    const reserved = await runSaga(validated.definition, { tripId: 'trip-7', amount: 1, results: {} });
    expect(reserved.error).toBe(ErrorNames.inputInvalid);
    const good = await runSaga(validated.definition, { tripId: 'trip-7', amount: 1 });
    expect(good.status).toBe('SUCCEEDED');
    expect(good.statesEntered).toHaveLength(1 + 4 + 1);
  });

  describe('inputs and results that would not fit the saga state', () => {
    /** What the participant runtime does with a request before and after its handler runs. */
    const runtime =
      (result: () => unknown = () => ({ ok: 'yes' })): Behaviour =>
      (request) => {
        checkSagaInput(request);
        const json = JSON.stringify(result());
        checkResultSize(`${request.step}.${request.action}`, json, request);
        return JSON.parse(json);
      };
    const everyStep = (behaviour: Behaviour) =>
      Object.fromEntries(
        ['BookHotel', 'BookFlight', 'ChargeCard', 'SendItinerary'].map((n) => [n, behaviour]),
      );

    it.each([
      ['an array', ['trip-7'], 'an array'],
      ['a string', 'trip-7', 'a string'],
      ['a number', 7, 'a number'],
      ['null', null, 'null'],
    ])(
      "fails %s input as SagaInputInvalid, with the first step's refusal as the cause and nothing else run",
      async (_, bad, shown) => {
        const run = await runSaga(definition, bad as never, { behaviours: everyStep(runtime()) });
        expect(run.error).toBe(ErrorNames.inputInvalid);
        expect(JSON.parse(run.cause!)).toEqual({
          BookHotel: {
            Error: ErrorNames.inputInvalid,
            Cause: `Saga Trip (order-0001) was started with ${shown} as input; a saga input must be a JSON object. Nothing ran.`,
          },
        });
        expect(calls(run)).toEqual(['action:BookHotel']);
        expect(run.statesEntered).toEqual(['BookHotel', 'Record input refusal', 'Input refused']);
      },
    );

    it("fails an input over the saga's input budget as SagaInputInvalid before any step commits", async () => {
      const run = await runSaga(
        definition,
        { ...input, note: 'x'.repeat(70_000) },
        { behaviours: everyStep(runtime()) },
      );
      expect(run.error).toBe(ErrorNames.inputInvalid);
      expect(JSON.parse(run.cause!).BookHotel.Cause).toMatch(
        /was started with a 700\d\d-byte input, above its 65536-byte input budget/,
      );
      expect(calls(run)).toEqual(['action:BookHotel']);
    });

    it("compensates a result over its step's share like a business error, and keeps the happy path at N + 1", async () => {
      const big = () => ({ blob: 'x'.repeat(41_000) });
      const run = await runSaga(definition, input, {
        behaviours: { ...everyStep(runtime()), BookFlight: runtime(big) },
      });
      expect(run.error).toBe(ErrorNames.compensated);
      expect(JSON.parse(run.cause!).BookFlight.Error).toBe(ErrorNames.resultTooLarge);
      expect(calls(run)).toEqual([
        'action:BookHotel',
        'action:BookFlight',
        'compensation:BookFlight',
        'compensation:BookHotel',
      ]);

      const fits = await runSaga(definition, input, {
        behaviours: everyStep(runtime(() => ({ blob: 'x'.repeat(40_000) }))),
      });
      expect(fits.status).toBe('SUCCEEDED');
      expect(fits.statesEntered).toHaveLength(4 + 1);
      expect(Buffer.byteLength(JSON.stringify(fits.output))).toBeLessThan(262_144);
    });
  });
});
