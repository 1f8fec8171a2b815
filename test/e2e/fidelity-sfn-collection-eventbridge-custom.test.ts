import { describe, expect, it } from 'vitest';
import type { LocalLogLine } from '../../infra/local/index.js';
import { receiveMessages, useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { historyOf } from '../support/local-cloud.js';
import { buildEventBridgeCustomSample } from './fidelity/sfn-collection-eventbridge-custom/stack.js';

// A public sample this project did not write; see fidelity/sfn-collection-eventbridge-custom/README.md
// for its origin, licence, what the port changed and why each outcome below is what AWS gives.
const logs: LocalLogLine[] = [];
const local = useLocalCloud(() => buildEventBridgeCustomSample(), {
  synthCache: { name: 'test/e2e/fidelity/sfn-collection-eventbridge-custom' },
  onLog: (line) => logs.push(line),
});

describe('fidelity: step-functions-workflows-collection eventbridge-custom-cdk', () => {
  it('the custom event reaches the rule’s Lambda, SQS and SNS targets, carrying the execution in resources', async () => {
    const { cloud } = local;
    const stateMachineArn = cloud.resources.find(
      'sample-stepfunctions-events-statemachine',
      'stateMachine',
    ).arn;
    // "Trigger the State Machine via the console or CLI. No input is necessary."
    const { executionArn } = (await cloud.stepFunctions.call('StartExecution', {
      stateMachineArn,
      name: 'custom-event',
    })) as { executionArn: string };
    const described = await waitForExecution(cloud, executionArn, 30_000);
    expect(described.status, `${described.error}: ${described.cause}`).toBe('SUCCEEDED');
    const entered = (await historyOf(cloud, executionArn))
      .filter((e) => e.type.endsWith('StateEntered'))
      .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
    expect(entered).toEqual(['Send a custom event']);
    const output = JSON.parse(described.output ?? '{}') as {
      FailedEntryCount: number;
      Entries: Array<{ EventId: string }>;
    };
    expect(output).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    const eventId = output.Entries[0]?.EventId;

    const expectedEvent = {
      version: '0',
      id: eventId,
      'detail-type': 'MessageFromStepFunctions',
      source: 'my.statemachine',
      account: expect.any(String),
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: cloud.region,
      resources: expect.arrayContaining([executionArn, stateMachineArn]),
      detail: { Message: 'Hello from Step Functions!' },
    };
    // The SQS target receives the event itself as the message body.
    const queued = await receiveMessages(cloud, 'sample-stepfunctions-events-queue', {
      max: 10,
      waitSeconds: 5,
      delete: true,
    });
    expect(queued.map((m) => m.body)).toEqual([expectedEvent]);
    expect((queued[0]!.body as { resources: string[] }).resources).toHaveLength(2);

    // The SNS target publishes the event as the message; the subscribed queue gets the envelope.
    const published = await receiveMessages(cloud, 'SNSTopicSubscriber', {
      max: 10,
      waitSeconds: 5,
      delete: true,
    });
    expect(published).toHaveLength(1);
    const envelope = published[0]?.body as { Type: string; TopicArn: string; Message: string };
    expect(envelope.Type).toBe('Notification');
    expect(envelope.TopicArn).toBe(cloud.resources.find('sample-stepfunctions-events-topic', 'topic').arn);
    expect(JSON.parse(envelope.Message)).toEqual(expectedEvent);

    // The Lambda target ran once, asynchronously.
    const deadline = Date.now() + 5_000;
    const hello = () =>
      logs.filter(
        (l) =>
          l.source === 'lambda' &&
          l.resource === 'sample-stepfunctions-events-Function' &&
          l.message.includes('Hello from Lambda'),
      );
    while (hello().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(hello()).toHaveLength(1);
  });
});
