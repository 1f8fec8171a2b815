import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE, runSpecArbitrary, withoutImpossibleCombinations } from '../campaign/arbitraries.js';
import { faultLabel } from '../campaign/campaign.js';
import type { FaultSpec } from '../campaign/run-spec.js';

const crash: FaultSpec = { step: 'ShipOrder', phase: 'action', kind: 'crash-after-commit', times: 1 };
const refusal: FaultSpec = {
  step: 'ShipOrder',
  phase: 'action',
  kind: 'error',
  errorType: 'SagaBusinessError',
  times: 'always',
};

describe('campaign fault schedules', () => {
  it('drops a business refusal of a phase that an earlier fault let commit: the barrier would answer it', () => {
    expect(withoutImpossibleCombinations([crash, refusal])).toEqual([crash]);
    const committedTimeout: FaultSpec = { ...crash, kind: 'timeout', committed: true, times: 1 };
    expect(withoutImpossibleCombinations([committedTimeout, refusal])).toEqual([committedTimeout]);
  });

  it('keeps refusals of other phases, transient errors after a commit, and refusals after an uncommitted timeout', () => {
    const otherStep: FaultSpec = { ...refusal, step: 'ChargePayment' };
    const transient: FaultSpec = { ...refusal, errorType: 'SagaTransientError', times: 3 };
    const hang: FaultSpec = { ...crash, kind: 'timeout', committed: false, times: 1 };
    expect(withoutImpossibleCombinations([crash, otherStep, transient])).toEqual([
      crash,
      otherStep,
      transient,
    ]);
    expect(withoutImpossibleCombinations([hang, refusal])).toEqual([hang, refusal]);
  });
});

describe('campaign fault labels', () => {
  it('tells apart error types, relay crashes and faults on undo phases', () => {
    expect(faultLabel({ kind: 'error', detail: 'SagaBusinessError', phase: 'action' })).toBe(
      'error SagaBusinessError',
    );
    expect(faultLabel({ kind: 'error', detail: 'SagaTransientError', phase: 'compensation' })).toBe(
      'error SagaTransientError on compensation',
    );
    expect(faultLabel({ kind: 'crash-after-commit', detail: 'mid-batch' })).toBe('relay crash mid-batch');
    expect(faultLabel({ kind: 'timeout', phase: 'cancel' })).toBe('timeout on cancel');
    expect(faultLabel({ kind: 'redeliver' })).toBe('redeliver');
  });
});

describe('the cloud-crash fault', () => {
  it('leaves runs as they were without persistence, so that earlier seeds replay unchanged', () => {
    const plain = fc.sample(runSpecArbitrary(DEFAULT_PROFILE), { seed: 42, numRuns: 20 });
    const withZero = fc.sample(runSpecArbitrary({ ...DEFAULT_PROFILE, cloudCrashPerMille: 0 }), {
      seed: 42,
      numRuns: 20,
    });
    expect(withZero).toEqual(plain);
    expect(plain.every((spec) => !('cloudCrash' in spec))).toBe(true);
  });

  it('crashes the share of runs the profile asks for, within the first 1.5 s of their executions', () => {
    const specs = fc.sample(runSpecArbitrary({ ...DEFAULT_PROFILE, cloudCrashPerMille: 1000 }), {
      seed: 7,
      numRuns: 50,
    });
    const delays = specs.map((spec) => spec.cloudCrash?.afterMs);
    expect(delays.every((ms) => ms !== undefined && ms >= 0 && ms <= 1_500)).toBe(true);
  });
});
