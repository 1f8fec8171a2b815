import { describe, expect, it } from 'vitest';
import type { ParticipantRequest } from '../../functions/runtime/contract.js';
import {
  ActionRefusedError,
  BusinessError,
  ErrorNames,
  RequestMismatchError,
  TransientError,
} from '../../functions/runtime/errors.js';
import { type Behaviour, PARKED_AT, runSaga, type SagaRun, TASK_TOKEN } from './saga-local-harness.js';
import { buildTcc, transferParticipants } from './tcc-fixtures.js';

// Debit, Credit and Fees, tried in parallel.
const { definition } = buildTcc({ participants: transferParticipants });
const input = { transferId: 't-1', fromAccount: 'alice', toAccount: 'bob', amount: 2_500 };
const PARTICIPANTS = ['Debit', 'Credit', 'Fees'];

const fail =
  (error: () => Error): Behaviour =>
  () => {
    throw error();
  };
const failTimes =
  (times: number, error: () => Error): Behaviour =>
  (_request, attempt) => {
    if (attempt <= times) throw error();
    return { ok: attempt };
  };

/** `phase:step` per invocation, sorted: parallel branches have no order among themselves. */
const calls = (run: SagaRun) => run.invocations.map((i) => `${i.request.phase}:${i.request.step}`).sort();
const count = (run: SagaRun, call: string) => calls(run).filter((c) => c === call).length;
const parkedMessages = (run: SagaRun) => run.sent.filter((m) => m.state.startsWith('Park '));

describe('TccTransaction execution on the local interpreter', () => {
  it('tries every participant once, then confirms every one once, in 2N + 3 transitions', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        'Try Debit': () => ({ holdId: 'h-1' }),
        'Try Credit': () => ({ pending: 2_500 }),
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls(run)).toEqual(
      [...PARTICIPANTS.map((p) => `try:${p}`), ...PARTICIPANTS.map((p) => `confirm:${p}`)].sort(),
    );
    expect(run.output).toEqual({
      ...input,
      results: { Debit: { holdId: 'h-1' }, Credit: { pending: 2_500 }, Fees: {} },
    });
    expect(run.statesEntered).toHaveLength(2 * 3 + 3);
    expect(run.statesEntered[0]).toBe('Try');
    expect(run.statesEntered.at(-1)).toBe('SagaSucceeded');
    // Every Try ran before any Confirm.
    const phases = run.invocations.map((i) => i.request.phase);
    expect(phases.lastIndexOf('try')).toBeLessThan(phases.indexOf('confirm'));
  });

  it('sends Try a fresh request and Confirm every Try result', async () => {
    const run = await runSaga(definition, input, {
      executionName: 'transfer-42',
      behaviours: { 'Try Debit': () => ({ holdId: 'h-1' }) },
    });
    const of = (phase: string, step: string) =>
      run.invocations.find((i) => i.request.phase === phase && i.request.step === step)!.request;
    expect(of('try', 'Debit')).toEqual<ParticipantRequest>({
      sagaId: 'transfer-42',
      sagaName: 'Transfer',
      step: 'Debit',
      phase: 'try',
      action: 'hold',
      input,
      results: {},
    });
    expect(of('confirm', 'Debit')).toEqual<ParticipantRequest>({
      sagaId: 'transfer-42',
      sagaName: 'Transfer',
      step: 'Debit',
      phase: 'confirm',
      action: 'settle',
      input,
      results: { Debit: { holdId: 'h-1' }, Credit: {}, Fees: {} },
    });
  });

  for (const failing of PARTICIPANTS) {
    it(`cancels ALL participants, each once, when the Try of ${failing} is refused`, async () => {
      const run = await runSaga(definition, input, {
        behaviours: { [`Try ${failing}`]: fail(() => new BusinessError(`${failing} refused`, 'NOPE')) },
      });
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe(ErrorNames.cancelled);
      for (const p of PARTICIPANTS) {
        expect(count(run, `cancel:${p}`), `cancel:${p}`).toBe(1);
        expect(count(run, `confirm:${p}`), `confirm:${p}`).toBe(0);
      }
      const cancel = run.invocations.find((i) => i.request.phase === 'cancel' && i.request.step === failing)!;
      expect(cancel.request).toMatchObject({
        action: failing === 'Debit' ? 'release' : 'cancel',
        results: {},
      });
      expect(JSON.parse(run.cause!)).toEqual({
        Try: { Error: ErrorNames.business, Cause: `${failing} refused` },
      });
      expect(run.statesEntered.at(-1)).toBe('SagaCancelled');
      expect(parkedMessages(run)).toEqual([]);
    });
  }

  it('retries a Try that keeps timing out, then cancels every participant', async () => {
    const timeout = () => Object.assign(new Error('Task timed out'), { name: 'States.Timeout' });
    const run = await runSaga(definition, input, { behaviours: { 'Try Credit': fail(timeout) } });
    expect(run.error).toBe(ErrorNames.cancelled);
    expect(count(run, 'try:Credit')).toBe(1 + 3);
    for (const p of PARTICIPANTS) expect(count(run, `cancel:${p}`)).toBe(1);
  });

  it('retries a transient Confirm failure and succeeds without cancelling', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { 'Confirm Credit': failTimes(2, () => new Error('credit ledger unavailable')) },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(count(run, 'confirm:Credit')).toBe(3);
    expect(calls(run).filter((c) => c.startsWith('cancel:'))).toEqual([]);
    expect(run.events.filter((e) => e.type === 'StateRetried')).toHaveLength(2);
  });

  it('parks the transaction when a Confirm exhausts its retries: one park message, no Cancel, SagaParked', async () => {
    const run = await runSaga(definition, input, {
      executionName: 'transfer-7',
      behaviours: { 'Confirm Debit': fail(() => new TransientError('ledger locked')) },
    });
    expect(run.status).toBe('FAILED');
    expect(run.error).toBe(ErrorNames.parked);
    expect(count(run, 'confirm:Debit')).toBe(1 + 6);
    expect(calls(run).filter((c) => c.startsWith('cancel:'))).toEqual([]);
    const errors = { Confirm: { Error: ErrorNames.transient, Cause: 'ledger locked' } };
    expect(parkedMessages(run).map((m) => m.body)).toEqual([
      {
        sagaId: 'transfer-7',
        sagaName: 'Transfer',
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:Saga:transfer-7',
        state: 'Confirm',
        step: 'Confirm',
        phase: 'confirm',
        error: ErrorNames.transient,
        cause: 'ledger locked',
        parkedAt: PARKED_AT,
        errors,
        taskToken: TASK_TOKEN,
        decisionTimeoutSeconds: 604_800,
      },
    ]);
    expect(JSON.parse(run.cause!)).toEqual(errors);
    expect(run.statesEntered.slice(-3)).toEqual(['Park Confirm', 'Decide Confirm', 'SagaParked']);
  });

  it('on retry confirms every participant again and succeeds once the Confirm goes through', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        'Confirm Debit': (_request, attempt) => {
          if (attempt <= 7) throw new TransientError('ledger locked');
          return {};
        },
      },
      decisions: { 'Park Confirm': ['retry'] },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(count(run, 'confirm:Debit')).toBe(8);
    // The whole phase reruns; the barrier answers the participant that had confirmed with its result.
    expect(count(run, 'confirm:Credit')).toBe(2);
    const topLevel = run.statesEntered.filter((name) => name in definition.States);
    expect(topLevel).toEqual([
      'Try',
      'Confirm',
      'Park Confirm',
      'Decide Confirm',
      'Confirm',
      'SagaSucceeded',
    ]);
  });

  it('parks at once, without retrying, when a participant refuses the Confirm', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        'Confirm Fees': fail(() => new ActionRefusedError('the reservation was cancelled at its deadline')),
      },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(count(run, 'confirm:Fees')).toBe(1);
    expect(JSON.parse(run.cause!)).toEqual({
      Confirm: { Error: ErrorNames.actionRefused, Cause: 'the reservation was cancelled at its deadline' },
    });
  });

  it('parks at once, without retrying, when a Confirm carries another input than its Try', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { 'Confirm Fees': fail(() => new RequestMismatchError('the try ran with another input')) },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(count(run, 'confirm:Fees')).toBe(1);
    expect(JSON.parse(run.cause!)).toEqual({
      Confirm: { Error: ErrorNames.requestMismatch, Cause: 'the try ran with another input' },
    });
  });

  it('cancels every participant, without retrying, when a Try is refused with SagaRequestMismatch', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { 'Try Credit': fail(() => new RequestMismatchError('the try ran with another input')) },
    });
    expect(run.error).toBe(ErrorNames.cancelled);
    expect(count(run, 'try:Credit')).toBe(1);
    expect(calls(run).filter((c) => c.startsWith('cancel:'))).toEqual([
      'cancel:Credit',
      'cancel:Debit',
      'cancel:Fees',
    ]);
  });

  it('parks the transaction when a Cancel exhausts its retries, keeping the Try error', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        'Try Debit': fail(() => new BusinessError('insufficient funds')),
        'Cancel Credit': fail(() => new Error('credit ledger gone')),
      },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(count(run, 'cancel:Credit')).toBe(1 + 6);
    expect(JSON.parse(run.cause!)).toEqual({
      Try: { Error: ErrorNames.business, Cause: 'insufficient funds' },
      Cancel: { Error: 'Error', Cause: 'credit ledger gone' },
    });
    expect(parkedMessages(run)).toHaveLength(1);
  });
});
