import { describe, expect, it } from 'vitest';
import { type HistoryEvent, redrivePoint } from '../../infra/local/stepfunctions/history.js';

const states = {
  Reserve: { Next: 'Charge' },
  Charge: { Next: 'Ship' },
  Ship: { Next: 'Done' },
  Transfer: { Next: 'Done' },
  Done: {},
};

let id = 0;
const event = (type: string, details?: Record<string, unknown>): HistoryEvent => {
  id += 1;
  return { id, previousEventId: id - 1, timestamp: id, type, ...details };
};
const enteredState = (type: string, name: string, input: unknown) =>
  event(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
const exitedState = (type: string, name: string, output: unknown) =>
  event(`${type}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(output) } });

describe('where a redrive resumes (local RedriveExecution)', () => {
  it('reruns the last state entered, with the input it was entered with, when it did not exit', () => {
    const events = [
      event('ExecutionStarted'),
      enteredState('Task', 'Reserve', { order: 1 }),
      exitedState('Task', 'Reserve', { order: 1, results: { Reserve: 'ok' } }),
      enteredState('Task', 'Charge', { order: 1, results: { Reserve: 'ok' } }),
      event('LambdaFunctionFailed'),
      event('ExecutionFailed'),
    ];
    expect(redrivePoint(events, states)).toEqual({
      state: 'Charge',
      input: { order: 1, results: { Reserve: 'ok' } },
    });
  });

  it('resumes after a state that had exited when the execution stopped, with its output', () => {
    const events = [
      enteredState('Task', 'Reserve', { order: 2 }),
      exitedState('Task', 'Reserve', { order: 2, reserved: true }),
      event('ExecutionAborted'),
    ];
    expect(redrivePoint(events, states)).toEqual({ state: 'Charge', input: { order: 2, reserved: true } });
  });

  it('reruns a whole Parallel state when a state inside one of its branches failed', () => {
    const events = [
      enteredState('Parallel', 'Transfer', { amount: 5 }),
      enteredState('Task', 'Debit', { amount: 5 }),
      exitedState('Task', 'Debit', { ok: true }),
      enteredState('Task', 'Credit', { amount: 5 }),
      event('ExecutionFailed'),
    ];
    expect(redrivePoint(events, states)).toEqual({ state: 'Transfer', input: { amount: 5 } });
  });

  it('reruns a Fail state the execution ended in, and has no point when no state was entered', () => {
    const events = [
      enteredState('Task', 'Ship', { x: 1 }),
      exitedState('Task', 'Ship', { x: 2 }),
      enteredState('Fail', 'Done', { x: 2 }),
      event('ExecutionFailed'),
    ];
    expect(redrivePoint(events, states)).toEqual({ state: 'Done', input: { x: 2 } });
    expect(redrivePoint([event('ExecutionStarted'), event('ExecutionFailed')], states)).toBeUndefined();
  });
});
