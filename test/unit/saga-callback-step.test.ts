import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ErrorNames, TransientError } from '../../functions/runtime/errors.js';
import { Saga, type SagaStep } from '../../infra/constructs/saga/index.js';
import { buildSaga, inlineFunction } from './saga-fixtures.js';
import { runSaga, type SagaRun, TASK_TOKEN } from './saga-local-harness.js';

/** Reserve the seat, wait for the bank to authorize the payment, then issue the ticket (the pivot). */
function steps(stack: Stack, timeout = Duration.minutes(15)): SagaStep[] {
  return [
    { name: 'HoldSeat', participant: inlineFunction(stack, 'Seats'), action: 'hold', compensation: 'free' },
    {
      name: 'AuthorizePayment',
      participant: inlineFunction(stack, 'Payments'),
      action: 'requestAuthorization',
      compensation: 'void',
      callback: { timeout, ...(timeout.toSeconds() > 300 ? { heartbeat: Duration.minutes(5) } : {}) },
    },
    { name: 'IssueTicket', participant: inlineFunction(stack, 'Tickets'), action: 'issue', kind: 'pivot' },
  ];
}

const { definition } = buildSaga({ steps: (stack) => steps(stack) });
const input = { bookingId: 'b-1', amount: 900 };
const calls = (run: SagaRun) => run.invocations.map((i) => `${i.request.phase}:${i.request.step}`);
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

describe('Callback steps on the local interpreter', () => {
  it('waits on a task token with the timeout and heartbeat, invoking the participant with the request and the token', () => {
    expect(definition.States['AuthorizePayment']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: expect.stringContaining('Payments'),
        Payload: {
          'sagaId.$': '$$.Execution.Name',
          step: 'AuthorizePayment',
          phase: 'action',
          action: 'requestAuthorization',
          'taskToken.$': '$$.Task.Token',
        },
      },
      ResultPath: '$.results.AuthorizePayment',
      TimeoutSeconds: 900,
      HeartbeatSeconds: 300,
    });
    // A timeout or a refusal is an answer, never retried; only a failed invocation is.
    const retry = definition.States['AuthorizePayment']!['Retry'] as { ErrorEquals: string[] }[];
    expect(retry.flatMap((r) => r.ErrorEquals)).not.toContain('States.Timeout');
    expect(retry.flatMap((r) => r.ErrorEquals)).not.toContain('States.HeartbeatTimeout');
  });

  it('keeps the answer as the step result and goes on', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { AuthorizePayment: () => ({ authorizationId: 'A-77' }) },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls(run)).toEqual(['action:HoldSeat', 'action:AuthorizePayment', 'action:IssueTicket']);
    expect(run.invocations[1]!.request.taskToken).toBe(TASK_TOKEN);
    expect((run.output as { results: Record<string, unknown> }).results['AuthorizePayment']).toEqual({
      authorizationId: 'A-77',
    });
    expect(run.invocations[2]!.request.results).toMatchObject({
      AuthorizePayment: { authorizationId: 'A-77' },
    });
  });

  it('compensates the callback step and the steps before it, each once, when the answer refuses', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        AuthorizePayment: () => {
          throw named(ErrorNames.business, 'card declined by the bank');
        },
      },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run)).toEqual([
      'action:HoldSeat',
      'action:AuthorizePayment',
      'compensation:AuthorizePayment',
      'compensation:HoldSeat',
    ]);
    expect(JSON.parse(run.cause!)).toEqual({
      AuthorizePayment: { Error: ErrorNames.business, Cause: 'card declined by the bank' },
    });
  });

  it('compensates without retrying when no answer comes before the timeout', async () => {
    const { definition: short } = buildSaga({ steps: (stack) => steps(stack, Duration.seconds(1)) });
    // The answer never comes; a real wait past TimeoutSeconds.
    const started = Date.now();
    const run = await runSaga(short, input, {
      behaviours: { AuthorizePayment: () => new Promise(() => {}) },
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(run.error).toBe(ErrorNames.compensated);
    expect(calls(run)).toEqual([
      'action:HoldSeat',
      'action:AuthorizePayment',
      'compensation:AuthorizePayment',
      'compensation:HoldSeat',
    ]);
    expect(JSON.parse(run.cause!)).toMatchObject({ AuthorizePayment: { Error: 'States.Timeout' } });
  });

  it('retries an invocation that failed transiently, handing out a new token', async () => {
    const run = await runSaga(definition, input, {
      behaviours: {
        AuthorizePayment: (_r, attempt) => {
          if (attempt === 1) throw new TransientError('throttled');
          return { authorizationId: 'A-78' };
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(calls(run).filter((c) => c === 'action:AuthorizePayment')).toHaveLength(2);
  });
});

describe('Callback step validation at synth', () => {
  const build =
    (mutate: (s: SagaStep[]) => SagaStep[], type: 'STANDARD' | 'EXPRESS' = 'STANDARD') =>
    () => {
      const stack = new Stack(new App(), 'CallbackValidation');
      return new Saga(stack, 'Trip', { steps: mutate(steps(stack)), type });
    };

  it('refuses a callback step that is not compensatable', () => {
    expect(build((s) => [s[0]!, { ...s[2]!, callback: { timeout: Duration.minutes(1) } }])).toThrow(
      'Saga "Trip", step "IssueTicket": a callback step must be compensatable (got pivot): its action commits before the wait, and a refusal or timeout must undo it. Add `compensation` and place the step before the pivot, or remove `callback`.',
    );
  });

  it('refuses a callback step on an Express saga', () => {
    expect(build((s) => s, 'EXPRESS')).toThrow(
      'Saga "Trip", step "AuthorizePayment": a callback step waits on a task token, which an Express state machine cannot do.',
    );
  });

  it('refuses a heartbeat not shorter than the timeout', () => {
    expect(
      build((s) => [
        s[0]!,
        { ...s[1]!, callback: { timeout: Duration.minutes(1), heartbeat: Duration.minutes(1) } },
        s[2]!,
      ]),
    ).toThrow(
      'Saga "Trip", step "AuthorizePayment": `callback.heartbeat` must be whole seconds from 1 to below the timeout of 60 s (got 60). Shorten the heartbeat or remove it.',
    );
  });
});
