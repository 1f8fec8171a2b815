import { describe, expect, it } from 'vitest';
import { EventBridgeService, type EventTarget } from '../../infra/local/eventbridge/event-bus-service.js';
import {
  callMessagingService,
  stateMachineArnOf,
} from '../../infra/local/stepfunctions/messaging-integrations.js';
import { TaskFailure } from '../../infra/local/stepfunctions/task-failure.js';

const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:Publisher:run-1';
const binding = {
  kind: 'events-put',
  resource: 'arn:aws:states:::events:putEvents',
  waitForTaskToken: false,
} as const;

function eventBridge() {
  const delivered: string[] = [];
  const service = new EventBridgeService(
    'us-east-1',
    '000000000000',
    async (_target: EventTarget, text: string) => {
      delivered.push(text);
    },
    () => {},
  );
  service.addBus('orders');
  service.addRule({
    name: 'all',
    arn: 'arn:aws:events:us-east-1:000000000000:rule/all',
    busName: 'orders',
    pattern: { source: ['my.app'] },
    targets: [{ id: 'q', kind: 'queue', arn: 'arn:aws:sqs:us-east-1:000000000000:q' }],
  });
  return { service, delivered };
}

describe('the events:putEvents task integration', () => {
  it('appends the execution and state machine ARNs to each entry’s Resources, as the optimized integration does', async () => {
    const { service, delivered } = eventBridge();
    const answer = await callMessagingService(
      { eventBridge: service },
      binding,
      {
        Entries: [
          { Source: 'my.app', DetailType: 'T', Detail: { a: 1 }, EventBusName: 'orders' },
          {
            Source: 'my.app',
            DetailType: 'T',
            Detail: { a: 2 },
            EventBusName: 'orders',
            Resources: ['arn:x'],
          },
        ],
      },
      executionArn,
    );
    expect(answer).toMatchObject({ FailedEntryCount: 0 });
    await service.drain();
    const stateMachineArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:Publisher';
    expect(delivered.map((t) => (JSON.parse(t) as { resources: string[] }).resources)).toEqual([
      [executionArn, stateMachineArn],
      ['arn:x', executionArn, stateMachineArn],
    ]);
  });

  it('fails the task with EventBridge.FailedEntry when an entry was not put', async () => {
    const { service } = eventBridge();
    const failure = await callMessagingService(
      { eventBridge: service },
      binding,
      { Entries: [{ Source: 'my.app', DetailType: 'T', Detail: {}, EventBusName: 'no-such-bus' }] },
      executionArn,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskFailure);
    expect((failure as TaskFailure).name).toBe('EventBridge.FailedEntry');
    expect((failure as TaskFailure).message).toContain('ResourceNotFoundException');
  });

  it('names the state machine of standard and express executions', () => {
    expect(stateMachineArnOf(executionArn)).toBe(
      'arn:aws:states:us-east-1:000000000000:stateMachine:Publisher',
    );
    expect(stateMachineArnOf('arn:aws:states:eu-west-1:1:express:Fast:run-2:8f0c')).toBe(
      'arn:aws:states:eu-west-1:1:stateMachine:Fast',
    );
  });
});
