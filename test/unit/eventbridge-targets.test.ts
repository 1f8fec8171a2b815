import { describe, expect, it } from 'vitest';
import { targetInput } from '../../infra/local/eventbridge/input-transform.js';
import { runProvisioners } from '../../infra/local/provisioners/index.js';
import { fakeProvisioning } from '../support/provision-context.js';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'OrderPlaced',
  source: 'shop.orders',
  time: '2026-12-07T12:00:00Z',
  detail: { orderId: 'o-1', amount: 120, items: [{ sku: 'a"b' }] },
};
const rule = { name: 'Big', arn: 'arn:aws:events:us-east-1:000000000000:rule/Big' };

describe('what an EventBridge target receives', () => {
  it('is the whole event, the constant Input, or the part InputPath selects', () => {
    expect(JSON.parse(targetInput({}, event, rule))).toEqual(event);
    expect(targetInput({ input: '{"fixed":true}' }, event, rule)).toBe('{"fixed":true}');
    expect(JSON.parse(targetInput({ inputPath: '$.detail' }, event, rule))).toEqual(event.detail);
    expect(JSON.parse(targetInput({ inputPath: '$.detail.items[0].sku' }, event, rule))).toBe('a"b');
  });

  it('fills an InputTransformer template: text inside strings, JSON outside, with the rule variables', () => {
    const text = targetInput(
      {
        inputTransformer: {
          InputPathsMap: { id: '$.detail.orderId', amount: '$.detail.amount', sku: '$.detail.items[0].sku' },
          InputTemplate:
            '{"order": <id>, "amount": <amount>, "note": "order <id> of <amount> (<sku>)", "rule": "<aws.events.rule-name>"}',
        },
      },
      event,
      rule,
    );
    expect(JSON.parse(text)).toEqual({
      order: 'o-1',
      amount: 120,
      note: 'order o-1 of 120 (a"b)',
      rule: 'Big',
    });
  });

  it('fills a plain-text template and yields null for a path that selects nothing', () => {
    expect(
      targetInput(
        {
          inputTransformer: {
            InputPathsMap: { id: '$.detail.orderId' },
            InputTemplate: '"Order <id> placed"',
          },
        },
        event,
        rule,
      ),
    ).toBe('"Order o-1 placed"');
    expect(
      targetInput(
        { inputTransformer: { InputPathsMap: { x: '$.detail.none' }, InputTemplate: '{"x": <x>}' } },
        event,
        rule,
      ),
    ).toBe('{"x": null}');
  });
});

describe('topic, bus and pattern rule provisioners', () => {
  const fn = {
    Type: 'AWS::Lambda::Function',
    Properties: {
      FunctionName: 'handler',
      Runtime: 'nodejs22.x',
      Code: { ZipFile: 'exports.handler=()=>1' },
    },
  };

  it('subscribe queues and functions with their filter policies, and refuse an endpoint that is not in the app', async () => {
    const fake = fakeProvisioning({
      Fn: fn,
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'orders' } },
      Topic: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: 'events',
          Subscription: [{ Protocol: 'lambda', Endpoint: { 'Fn::GetAtt': ['Fn', 'Arn'] } }],
        },
      },
      ToQueue: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          Protocol: 'sqs',
          TopicArn: { Ref: 'Topic' },
          Endpoint: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          RawMessageDelivery: true,
          FilterPolicyScope: 'MessageBody',
          FilterPolicy: { kind: ['order'] },
        },
      },
      ToNowhere: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          Protocol: 'sqs',
          TopicArn: { Ref: 'Topic' },
          Endpoint: 'arn:aws:sqs:us-east-1:000000000000:gone',
        },
      },
      ToEmail: {
        Type: 'AWS::SNS::Subscription',
        Properties: { Protocol: 'email', TopicArn: { Ref: 'Topic' }, Endpoint: 'ops@example.com' },
      },
    });
    await runProvisioners(fake.entries, fake.ctx);
    const topicArn = 'arn:aws:sns:us-east-1:000000000000:events';
    expect(fake.topics).toEqual(['events']);
    expect(fake.subscriptions).toEqual([
      {
        topicArn,
        protocol: 'lambda',
        endpoint: 'arn:aws:lambda:us-east-1:000000000000:function:handler',
        rawMessageDelivery: false,
      },
      {
        topicArn,
        protocol: 'sqs',
        endpoint: 'arn:aws:sqs:us-east-1:000000000000:orders',
        rawMessageDelivery: true,
        filterPolicy: '{"kind":["order"]}',
        filterPolicyScope: 'MessageBody',
      },
    ]);
    expect(fake.problems).toEqual([
      'subscription App/ToNowhere: endpoint arn:aws:sqs:us-east-1:000000000000:gone is not a queue of the app',
    ]);
    expect(fake.logs.map((l) => l.message)).toContain(
      'subscription App/ToEmail: protocol email is not delivered locally (sqs and lambda are)',
    );
  });

  it('put a pattern rule on its custom bus with the targets the app has, listing the others', async () => {
    const fake = fakeProvisioning({
      Fn: fn,
      Bus: { Type: 'AWS::Events::EventBus', Properties: { Name: 'orders-bus' } },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          Name: 'big',
          EventBusName: { Ref: 'Bus' },
          EventPattern: { source: ['shop.orders'], detail: { amount: [{ numeric: ['>=', 100] }] } },
          Targets: [
            { Id: 'F', Arn: { 'Fn::GetAtt': ['Fn', 'Arn'] }, InputPath: '$.detail' },
            { Id: 'X', Arn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s' },
          ],
        },
      },
    });
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual([]);
    expect(fake.buses).toEqual(['orders-bus']);
    expect(fake.rules).toEqual([
      {
        name: 'big',
        arn: 'arn:aws:events:us-east-1:000000000000:rule/big',
        busName: 'orders-bus',
        pattern: { source: ['shop.orders'], detail: { amount: [{ numeric: ['>=', 100] }] } },
        targets: [
          {
            id: 'F',
            kind: 'function',
            arn: 'arn:aws:lambda:us-east-1:000000000000:function:handler',
            inputPath: '$.detail',
          },
        ],
      },
    ]);
    expect(fake.ctx.index.find('big', 'eventRule').eventRule).toEqual({
      trigger: 'event pattern',
      eventBus: 'orders-bus',
    });
    expect(fake.logs.map((l) => l.message)).toContain(
      'event rule App/Rule: target X: arn:aws:kinesis:us-east-1:000000000000:stream/s is not a function, queue, state machine, topic or bus of the app, so nothing is delivered to it',
    );
  });

  it('refuse a rule whose pattern EventBridge would refuse', async () => {
    const fake = fakeProvisioning({
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: { Name: 'bad', EventPattern: { source: 'shop.orders' }, Targets: [] },
      },
    });
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual([
      'event rule App/Rule: rule bad EventPattern: the value of "source" must be an array or an object, got "shop.orders"; wrap it in [ ]',
    ]);
  });
});
