import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { describe, expect, it } from 'vitest';
import { buildTimeline } from '../../infra/local/console/execution-timeline.js';

/** History in the in-process service's shape: epoch seconds, ids, previous event ids. */
function history(events: Array<[string, number, Record<string, unknown>?]>): HistoryEvent[] {
  return events.map(([type, ms, details], i) => ({
    id: i + 1,
    previousEventId: i,
    type,
    timestamp: (1_700_000_000_000 + ms) / 1000,
    ...details,
  })) as unknown as HistoryEvent[];
}

const entered = (name: string) => ({ stateEnteredEventDetails: { name } });
const exited = (name: string) => ({ stateExitedEventDetails: { name } });
const lambdaFailed = (error: string, message: string) => ({
  lambdaFunctionFailedEventDetails: {
    error,
    cause: JSON.stringify({ errorType: error, errorMessage: message }),
  },
});

const types = new Map([
  ['ChargePayment', 'Task'],
  ['Compensate ChargePayment', 'Task'],
  ['SagaCompensated', 'Fail'],
]);

describe('console execution timeline', () => {
  it('folds a retried, caught step, its compensation and the Fail state into one entry each', () => {
    const timeline = buildTimeline(
      history([
        ['ExecutionStarted', 0, { executionStartedEventDetails: { input: '{}' } }],
        ['TaskStateEntered', 10, entered('ChargePayment')],
        ['LambdaFunctionScheduled', 11],
        ['LambdaFunctionFailed', 20, lambdaFailed('Lambda.ServiceException', 'slow')],
        ['LambdaFunctionScheduled', 120],
        ['LambdaFunctionFailed', 130, lambdaFailed('SagaBusinessError', 'Insufficient funds')],
        ['TaskStateExited', 131, exited('ChargePayment')],
        ['TaskStateEntered', 132, entered('Compensate ChargePayment')],
        ['LambdaFunctionScheduled', 133],
        ['LambdaFunctionSucceeded', 150, { lambdaFunctionSucceededEventDetails: { output: '{}' } }],
        ['TaskStateExited', 151, exited('Compensate ChargePayment')],
        ['FailStateEntered', 152, entered('SagaCompensated')],
        ['ExecutionFailed', 153, { executionFailedEventDetails: { error: 'SagaCompensated', cause: '{}' } }],
      ]),
      types,
    );
    expect(timeline.entries).toEqual([
      {
        state: 'ChargePayment',
        kind: 'step',
        enteredAt: new Date(1_700_000_000_010).toISOString(),
        exitedAt: new Date(1_700_000_000_131).toISOString(),
        offsetMs: 10,
        durationMs: 121,
        status: 'failed',
        attempts: 2,
        failures: [
          { at: new Date(1_700_000_000_020).toISOString(), error: 'Lambda.ServiceException', cause: 'slow' },
          {
            at: new Date(1_700_000_000_130).toISOString(),
            error: 'SagaBusinessError',
            cause: 'Insufficient funds',
          },
        ],
      },
      expect.objectContaining({
        state: 'Compensate ChargePayment',
        kind: 'compensation',
        status: 'succeeded',
        attempts: 1,
      }),
      expect.objectContaining({ state: 'SagaCompensated', kind: 'fail', status: 'failed', durationMs: 1 }),
    ]);
    expect(timeline.retries).toBe(1);
    expect(timeline.compensations).toBe(1);
    expect(timeline.history).toHaveLength(13);
    expect(timeline.history[3]).toEqual(
      expect.objectContaining({
        type: 'LambdaFunctionFailed',
        state: 'ChargePayment',
        detail: 'Lambda.ServiceException: slow',
      }),
    );
  });

  it('marks a park that waits on its task token as waiting while the execution runs', () => {
    const timeline = buildTimeline(
      history([
        ['ExecutionStarted', 0],
        ['TaskStateEntered', 5, entered('Park Compensate ChargePayment')],
        ['TaskScheduled', 6],
        ['TaskStarted', 7],
        ['TaskSubmitted', 8],
      ]),
      new Map([['Park Compensate ChargePayment', 'Task']]),
    );
    expect(timeline.entries).toEqual([
      expect.objectContaining({ state: 'Park Compensate ChargePayment', kind: 'park', status: 'waiting' }),
    ]);
    expect(timeline.entries[0]?.exitedAt).toBeUndefined();
  });

  it("shows a park's decision and who took it", () => {
    const timeline = buildTimeline(
      history([
        ['ExecutionStarted', 0],
        ['TaskStateEntered', 5, entered('Park ShipOrder')],
        ['TaskScheduled', 6],
        ['TaskSubmitted', 8],
        [
          'TaskSucceeded',
          50,
          {
            taskSucceededEventDetails: {
              output: JSON.stringify({ decision: 'skip', by: 'ops@example.com' }),
            },
          },
        ],
        ['TaskStateExited', 51, exited('Park ShipOrder')],
      ]),
      new Map([['Park ShipOrder', 'Task']]),
    );
    expect(timeline.entries).toEqual([
      expect.objectContaining({ status: 'succeeded', decision: 'skip by ops@example.com', durationMs: 46 }),
    ]);
  });
});
