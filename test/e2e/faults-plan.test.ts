import { describe, expect, it } from 'vitest';
import { FAULTS_ENV, faultPlanFromEnv, parseFaultPlan } from '../../infra/local/faults/parse-fault-plan.js';
import { Faults } from '../../infra/local/faults.js';

// The fault injector's decisions, without a cloud: what `STEPSAGA_FAULTS` accepts, and that a
// seeded plan injects the same faults into the same invocations whatever order they arrive in.
const identity = { function: (r: string) => r, queue: (r: string) => r, table: (r: string) => r };
const request = (sagaId: string, phase = 'action') => ({
  sagaId,
  sagaName: 'PlaceOrder',
  step: 'ChargePayment',
  phase,
  action: phase === 'action' ? 'charge' : 'refund',
  input: {},
  results: {},
});

describe('fault plans', () => {
  it('parses STEPSAGA_FAULTS into rules with their seed', () => {
    const plan = faultPlanFromEnv({
      [FAULTS_ENV]:
        '{"seed":7,"rules":[{"kind":"error","function":"Payment","phase":"action","errorType":"SagaTransientError","probability":0.2,"times":"always"}]}',
    });
    expect(plan).toEqual({
      seed: 7,
      rules: [
        {
          kind: 'error',
          function: 'Payment',
          phase: 'action',
          errorType: 'SagaTransientError',
          probability: 0.2,
          times: 'always',
        },
      ],
    });
    expect(faultPlanFromEnv({})).toBeUndefined();
  });

  it('refuses a plan with a typo, naming the rule, the field and the expectation', () => {
    expect(() => parseFaultPlan('{"rules":[{"kind":"error","function":"Payment","errorTyp":"X"}]}')).toThrow(
      /STEPSAGA_FAULTS is not a valid fault plan: rules\.0\.errorType: .*; rules\.0: Unrecognized key: "errorTyp"/,
    );
    expect(() => parseFaultPlan('{"rules":[{"kind":"explode","function":"Payment"}]}')).toThrow(
      /rules\.0\.kind: Invalid discriminator value. Expected 'error' \| 'timeout'/,
    );
    expect(() => parseFaultPlan('{rules:[]}')).toThrow(
      /STEPSAGA_FAULTS is not valid JSON .*expected \{"seed": 1/,
    );
    expect(() => parseFaultPlan('@/nonexistent/plan.json')).toThrow(
      /cannot read the fault plan file \/nonexistent\/plan\.json/,
    );
  });

  it('draws the same faults for the same invocations under any interleaving', () => {
    const decisions = (order: string[]) => {
      const faults = new Faults(identity, { seed: 42 });
      faults.inject({
        kind: 'error',
        function: 'Payment',
        errorType: 'X',
        probability: 0.5,
        times: 'always',
      });
      const fired = new Map<string, boolean>();
      for (const saga of order) fired.set(saga, faults.forInvocation('Payment', request(saga)) !== undefined);
      return [...fired.entries()].sort();
    };
    const sagas = Array.from({ length: 40 }, (_, i) => `order-${i}`);
    const forward = decisions(sagas);
    expect(decisions([...sagas].reverse())).toEqual(forward);
    const fired = forward.filter(([, f]) => f).length;
    expect(fired).toBeGreaterThan(8);
    expect(fired).toBeLessThan(32);
    const other = new Faults(identity, { seed: 43 });
    other.inject({ kind: 'error', function: 'Payment', errorType: 'X', probability: 0.5, times: 'always' });
    expect(sagas.map((s) => other.forInvocation('Payment', request(s)) !== undefined)).not.toEqual(
      forward.map(([, f]) => f),
    );
  });

  it('matches on saga, phase and function, skips, and stops after `times`', () => {
    const faults = new Faults(identity);
    faults.inject({
      kind: 'delay',
      function: 'Payment',
      sagaId: 's-1',
      phase: 'compensation',
      ms: 1,
      skip: 1,
      times: 2,
    });
    expect(faults.forInvocation('Payment', request('s-1', 'action'))).toBeUndefined();
    expect(faults.forInvocation('Inventory', request('s-1', 'compensation'))).toBeUndefined();
    expect(faults.forInvocation('Payment', request('s-1', 'compensation'))).toBeUndefined(); // skipped
    expect(faults.forInvocation('Payment', request('s-1', 'compensation'))?.kind).toBe('delay');
    expect(faults.forInvocation('Payment', request('s-1', 'compensation'))?.kind).toBe('delay');
    expect(faults.forInvocation('Payment', request('s-1', 'compensation'))).toBeUndefined();
    expect(faults.injectedCounts()).toEqual({ delay: 2 });
    expect(faults.injected().map((f) => [f.sagaId, f.phase])).toEqual([
      ['s-1', 'compensation'],
      ['s-1', 'compensation'],
    ]);
  });

  it('matches a DynamoDB rule on the barrier the transaction puts', () => {
    const faults = new Faults(identity);
    faults.dynamoDbProxy = true;
    faults.inject({ kind: 'transaction-conflict', table: 'Payment', sagaId: 's-2', phase: 'compensation' });
    const transaction = (sagaId: string, phase: string) => ({
      TransactItems: [
        {
          Put: {
            TableName: 'Payment',
            Item: {
              pk: { S: `BARRIER#PlaceOrder#${sagaId}` },
              sk: { S: `ChargePayment#${phase}` },
              action: { S: 'refund' },
            },
          },
        },
        { Update: { TableName: 'Payment', Key: { pk: { S: 'ACCOUNT#a' }, sk: { S: 'BALANCE' } } } },
      ],
    });
    expect(faults.forDynamoDbRequest('TransactWriteItems', transaction('s-2', 'action'))).toBeUndefined();
    expect(
      faults.forDynamoDbRequest('TransactWriteItems', transaction('s-3', 'compensation')),
    ).toBeUndefined();
    expect(faults.forDynamoDbRequest('TransactWriteItems', transaction('s-2', 'compensation'))?.kind).toBe(
      'transaction-conflict',
    );
  });

  it('refuses a DynamoDB rule on a cloud started without the fault proxy, saying how to enable it', () => {
    const faults = new Faults(identity);
    expect(() => faults.inject({ kind: 'throttling' })).toThrow(
      /DynamoDB faults reach functions through the fault proxy.*Pass `faults: \{\}` to startLocalCloud \(or set STEPSAGA_FAULTS\)/,
    );
    expect(() =>
      faults.inject({ kind: 'error', function: 'Payment', errorType: 'X', probability: 2 }),
    ).toThrow(/probability must be between 0 and 1, got 2/);
  });
});
