import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../infra/local/gateway/index.js';
import type { LocalCloud } from '../../infra/local/index.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, eventually } from '../support/local-cloud.js';
import { buildMessagingApp } from './fixtures/messaging-app.js';

const local = useLocalCloud(() => buildMessagingApp(), { pollIntervalMs: 50 });
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway(local.cloud, { port: 0 });
});
afterAll(async () => {
  await gateway?.stop();
});

async function drainQueue(cloud: LocalCloud, id: string, expected: number): Promise<string[]> {
  const { sqs } = engineClients(cloud);
  const url = cloud.resources.find(id, 'queue').url;
  const bodies: string[] = [];
  const deadline = Date.now() + 10_000;
  while (bodies.length < expected && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
  // Nothing more arrives that should not: one more short look.
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
  );
  bodies.push(...Messages.map((m) => m.Body ?? ''));
  return bodies;
}

async function recorded(cloud: LocalCloud): Promise<unknown[]> {
  const { dynamodb } = engineClients(cloud);
  const { Items = [] } = await dynamodb.send(
    new ScanCommand({ TableName: cloud.resources.find('Seen', 'table').name, ConsistentRead: true }),
  );
  return Items.map((item) => JSON.parse((unmarshall(item) as { event: string }).event) as unknown);
}

async function purge(cloud: LocalCloud, ...ids: string[]): Promise<void> {
  const { sqs } = engineClients(cloud);
  for (const id of ids)
    await sqs.send(new PurgeQueueCommand({ QueueUrl: cloud.resources.find(id, 'queue').url }));
}

describe('SNS and EventBridge on the local cloud', () => {
  it('a state machine publishes to a topic: filter policies pick the queues and the function, raw delivery is raw', async () => {
    const { cloud } = local;
    const machine = cloud.resources.find('Notify', 'stateMachine').arn;
    const run = async (name: string, input: Record<string, unknown>) => {
      const { executionArn } = (await cloud.stepFunctions.call('StartExecution', {
        stateMachineArn: machine,
        name,
        input: JSON.stringify(input),
      })) as { executionArn: string };
      return waitForExecution(cloud, executionArn);
    };
    const big = await run('big', {
      orderId: 'o-big',
      amount: 150,
      region: 'eu-west-1',
      channel: 'email-weekly',
    });
    expect(big.status, `${big.error}: ${big.cause}`).toBe('SUCCEEDED');
    const output = JSON.parse(big.output ?? '{}');
    expect(output.published.MessageId).toEqual(expect.any(String));
    expect(output.announced).toMatchObject({
      FailedEntryCount: 0,
      Entries: [{ EventId: expect.any(String) }],
    });
    // .sync:2 hands back the child's output as JSON.
    expect(output.child).toEqual({ output: { orderId: 'o-big', done: true }, status: 'SUCCEEDED' });

    const small = await run('small', { orderId: 'o-small', amount: 20, region: 'us-east-1', channel: 'sms' });
    expect(small.status).toBe('SUCCEEDED');

    // amount >= 100 on the message attribute, raw: only the big order, as the bare message.
    const bigBodies = await drainQueue(cloud, 'BigOrders', 1);
    expect(bigBodies.map((b) => JSON.parse(b))).toEqual([
      { orderId: 'o-big', amount: 150, region: 'eu-west-1', channel: 'email-weekly' },
    ]);
    // region in the message body, enveloped.
    const euBodies = await drainQueue(cloud, 'EuOrders', 1);
    expect(euBodies).toHaveLength(1);
    const envelope = JSON.parse(euBodies[0] ?? '{}');
    expect(envelope).toMatchObject({
      Type: 'Notification',
      TopicArn: cloud.resources.find('Orders', 'topic').arn,
    });
    expect(JSON.parse(envelope.Message)).toMatchObject({ orderId: 'o-big' });

    // channel prefix "email": the function receives the big order's SNS event only.
    const snsEvents = await eventually(
      async () => {
        const all = (await recorded(cloud)) as Array<{
          Records?: Array<{
            EventSource: string;
            Sns: { Message: string; MessageAttributes: Record<string, unknown> };
          }>;
        }>;
        const fromSns = all.filter((e) => e.Records?.[0]?.EventSource === 'aws:sns');
        return fromSns.length > 0 ? fromSns : undefined;
      },
      10_000,
      'the SNS delivery to the function',
    );
    expect(snsEvents).toHaveLength(1);
    const record = snsEvents[0]?.Records?.[0];
    expect(JSON.parse(record?.Sns.Message ?? '{}')).toMatchObject({ orderId: 'o-big' });
    expect(record?.Sns.MessageAttributes).toMatchObject({
      channel: { Type: 'String', Value: 'email-weekly' },
    });
  });

  it('PutEvents on the endpoint: the pattern rule routes a big order to a function, a queue and a state machine', async () => {
    const { cloud } = local;
    await purge(cloud, 'Routed');
    const before = (await recorded(cloud)).length;
    const put = async (orderId: string, amount: number) => {
      const response = await fetch(gateway.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' },
        body: JSON.stringify({
          Entries: [
            {
              EventBusName: 'orders-bus',
              Source: 'shop.orders',
              DetailType: 'OrderPlaced',
              Detail: JSON.stringify({ orderId, amount }),
            },
          ],
        }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as { FailedEntryCount: number; Entries: Array<{ EventId?: string }> };
    };
    expect(await put('o-500', 500)).toMatchObject({
      FailedEntryCount: 0,
      Entries: [{ EventId: expect.any(String) }],
    });
    expect((await put('o-5', 5)).FailedEntryCount).toBe(0);

    // InputPath $.detail to the queue; the small order matches no rule.
    expect((await drainQueue(cloud, 'Routed', 1)).map((b) => JSON.parse(b))).toEqual([
      { orderId: 'o-500', amount: 500 },
    ]);
    // InputTransformer to the function: values inside strings are inserted as text.
    const transformed = await eventually(
      async () => {
        const all = (await recorded(cloud)).slice(0);
        const hit = all.filter(
          (e) => (e as { rule?: string }).rule === 'big' && (e as { orderId?: string }).orderId === 'o-500',
        );
        return hit.length > 0 && all.length > before ? hit : undefined;
      },
      10_000,
      'the rule to invoke the function',
    );
    expect(transformed).toEqual([{ orderId: 'o-500', note: 'big order o-500', rule: 'big' }]);
    // The state machine target starts an execution with the whole event.
    const fulfil = cloud.resources.find('Fulfil', 'stateMachine').arn;
    const execution = await eventually(
      async () => {
        const { executions } = (await cloud.stepFunctions.call('ListExecutions', {
          stateMachineArn: fulfil,
        })) as {
          executions: Array<{ executionArn: string; status: string }>;
        };
        const outputs = await Promise.all(
          executions.map((e) =>
            waitForExecution(cloud, e.executionArn).then((d) => ({ ...e, output: d.output })),
          ),
        );
        return outputs.find((e) => e.output?.includes('o-500'));
      },
      10_000,
      'the rule to start the state machine',
    );
    const done = await waitForExecution(cloud, execution.executionArn);
    expect(JSON.parse(done.output ?? '{}')).toEqual({ fulfilled: 'o-500' });
    const { executions } = (await cloud.stepFunctions.call('ListExecutions', {
      stateMachineArn: fulfil,
    })) as {
      executions: unknown[];
    };
    expect(executions).toHaveLength(2); // the state machine's own run and this one
  });

  it('refuses a bad PutEvents entry per entry, as EventBridge does', async () => {
    const answer = (await local.cloud.eventBridge.call('PutEvents', {
      Entries: [
        { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: 'not json' },
        { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: '{}', EventBusName: 'no-such-bus' },
      ],
    })) as { FailedEntryCount: number; Entries: unknown[] };
    expect(answer).toEqual({
      FailedEntryCount: 2,
      Entries: [
        { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' },
        { ErrorCode: 'ResourceNotFoundException', ErrorMessage: 'Event bus no-such-bus does not exist.' },
      ],
    });
  });

  it('serves SNS query requests on the endpoint: ListTopics and Publish reach the topic', async () => {
    const call = async (params: Record<string, string>) => {
      const response = await fetch(gateway.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...params, Version: '2010-03-31' }).toString(),
      });
      return { status: response.status, text: await response.text() };
    };
    const topicArn = local.cloud.resources.find('Orders', 'topic').arn;
    const topics = await call({ Action: 'ListTopics' });
    expect(topics.status).toBe(200);
    expect(topics.text).toContain(`<TopicArn>${topicArn}</TopicArn>`);
    await purge(local.cloud, 'BigOrders');
    const published = await call({
      Action: 'Publish',
      TopicArn: topicArn,
      Message: '{"orderId":"o-cli"}',
      'MessageAttributes.entry.1.Name': 'amount',
      'MessageAttributes.entry.1.Value.DataType': 'Number',
      'MessageAttributes.entry.1.Value.StringValue': '300',
    });
    expect(published.status).toBe(200);
    expect(published.text).toMatch(/<MessageId>[^<]+<\/MessageId>/);
    expect(await drainQueue(local.cloud, 'BigOrders', 1)).toEqual(['{"orderId":"o-cli"}']);
  });
});
