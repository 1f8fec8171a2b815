import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { placeOrderTrackedEvents } from '../../functions/examples/choreo/events.js';
import { Choreography, type ChoreographyMember } from '../../infra/constructs/choreography/index.js';
import { PlaceOrderChoreographyStack } from '../../workflows/place-order-choreography.js';

/** Template assertions need no Lambda asset; skipping esbuild keeps each synth fast. */
const noBundling = () => new App({ context: { 'aws:cdk:bundling-stacks': [] } });

type Resource = { Properties: Record<string, unknown> };
type Statement = { Action: unknown; Effect: string; Resource: unknown };

const idOf = (stack: Stack, construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);

function environmentOf(template: Template, description: string): Record<string, unknown> {
  const fns = Object.values(
    template.findResources('AWS::Lambda::Function', { Properties: { Description: description } }),
  ) as Resource[];
  expect(fns).toHaveLength(1);
  return (fns[0]!.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables;
}

function policyOf(template: Template, roleId: string): Statement[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((policy) => JSON.stringify(policy.Properties['Roles']).includes(roleId))
    .flatMap((policy) => (policy.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

describe('Choreography construct: the PlaceOrder example', () => {
  let stack: PlaceOrderChoreographyStack;
  let template: Template;
  let queueUrl: (name: string) => unknown;
  let queueArn: (name: string) => unknown;

  // Synthesizing the stack can outlast the default hook timeout on a busy machine.
  beforeAll(() => {
    stack = new PlaceOrderChoreographyStack(noBundling(), 'Choreo');
    template = Template.fromStack(stack);
    queueUrl = (name) => ({ Ref: idOf(stack, stack.choreography.queues[name]!) });
    queueArn = (name) => ({ 'Fn::GetAtt': [idOf(stack, stack.choreography.queues[name]!), 'Arn'] });
  }, 60_000);

  it('declares exactly the event types each example handler reacts to', async () => {
    const handlers = {
      Order: (await import('../../functions/examples/choreo/order.js')).orderReactions,
      Inventory: (await import('../../functions/examples/choreo/inventory.js')).inventoryReactions,
      Payment: (await import('../../functions/examples/choreo/payment.js')).paymentReactions,
      Shipping: (await import('../../functions/examples/choreo/shipping.js')).shippingReactions,
    };
    for (const [name, reactions] of Object.entries(handlers)) {
      const subscribed = Object.entries(stack.choreography.routes)
        .filter(([, queues]) => queues.includes(stack.choreography.queues[name]!))
        .map(([eventType]) => eventType);
      expect(subscribed.sort(), name).toEqual(Object.keys(reactions).sort());
    }
  });

  it('gives each consumer an encrypted queue with a DLQ and an SQS event source reporting partial failures', () => {
    // Four participants and the tracker: a queue and a DLQ each; a failure queue per router.
    template.resourceCountIs('AWS::SQS::Queue', 5 * 2 + 4);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 60, // 6 × the participant's 10 s timeout
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
    });
    for (const name of ['Order', 'Inventory', 'Payment', 'Shipping', 'Tracker']) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: queueArn(name),
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    }
    template.resourcePropertiesCountIs('AWS::CloudWatch::Alarm', { Threshold: 0 }, 5 + 4);
  });

  it("routes each participant's outbox from its table stream to the queues of the event's consumers and the tracker", () => {
    const env = environmentOf(template, 'stepsaga choreography router: Inventory outbox to its subscribers');
    const routes = stack.resolve(env['STEPSAGA_CHOREOGRAPHY_ROUTES']);
    expect(JSON.stringify(routes)).toBe(
      JSON.stringify({
        'Fn::Join': [
          '',
          [
            '{"StockReserved":["',
            queueUrl('Payment'),
            '","',
            queueUrl('Tracker'),
            '"],"StockRejected":["',
            queueUrl('Order'),
            '","',
            queueUrl('Tracker'),
            '"],"StockReleased":["',
            queueUrl('Order'),
            '","',
            queueUrl('Tracker'),
            '"]}',
          ],
        ],
      }),
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [idOf(stack, stack.inventory.table), 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      FilterCriteria: {
        Filters: [
          { Pattern: '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"itemType":{"S":["outbox"]}}}}' },
        ],
      },
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('lets each router send only to the queues its event types go to', () => {
    const router = stack.node.findChild('PlaceOrderChoreography').node.findChild('InventoryRouter');
    const statements = policyOf(template, idOf(stack, router.node.findChild('Role') as iam.Role));
    const failureQueue = stack.choreography.routerFailureQueues['Inventory']!;
    const failureArn = { 'Fn::GetAtt': [idOf(stack, failureQueue), 'Arn'] };
    const sends = statements.filter((s) => JSON.stringify(s.Action).includes('sqs:'));
    // The subscriber queues, and the router's own failure queue (Lambda's on-failure destination).
    expect(sends.map((s) => [s.Action, s.Resource])).toEqual([
      ['sqs:SendMessage', [queueArn('Payment'), queueArn('Tracker'), queueArn('Order')]],
      [['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'], failureArn],
    ]);
  });

  it('builds a tracker: a table, a function told what every event means, item writes on its table only', () => {
    const env = environmentOf(template, 'stepsaga saga tracker of Choreo/PlaceOrderChoreography');
    expect(JSON.parse(String(env['STEPSAGA_TRACKED_EVENTS']))).toEqual(placeOrderTrackedEvents);
    expect(env['STEPSAGA_TRACKER_TABLE']).toEqual({ Ref: idOf(stack, stack.choreography.trackerTable!) });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: Match.absent(),
    });
    const tracker = stack.node.findChild('PlaceOrderChoreography').node.findChild('Tracker');
    const statements = policyOf(template, idOf(stack, tracker.node.findChild('Role') as iam.Role));
    expect(statements.find((s) => JSON.stringify(s.Action).includes('dynamodb:PutItem'))).toMatchObject({
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      Resource: { 'Fn::GetAtt': [idOf(stack, stack.choreography.trackerTable!), 'Arn'] },
    });
  });

  it('grants reading the saga state as a Query on the tracker table', () => {
    const fresh = new PlaceOrderChoreographyStack(noBundling(), 'Choreo');
    const reader = new iam.Role(fresh, 'Support', { assumedBy: new iam.AccountRootPrincipal() });
    fresh.choreography.grantReadState(reader);
    const statements = policyOf(Template.fromStack(fresh), idOf(fresh, reader));
    expect(statements).toEqual([
      expect.objectContaining({
        Action: 'dynamodb:Query',
        Resource: { 'Fn::GetAtt': [idOf(fresh, fresh.choreography.trackerTable!), 'Arn'] },
      }),
    ]);
  });
});

describe('Choreography construct: validation', () => {
  function member(stack: Stack, name: string, stream = true): ChoreographyMember {
    const table = new dynamodb.TableV2(stack, `${name}Table`, {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      ...(stream ? { dynamoStream: dynamodb.StreamViewType.NEW_IMAGE } : {}),
    });
    const fn = new lambda.Function(stack, `${name}Function`, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({});'),
      timeout: Duration.seconds(20),
    });
    return { function: fn, table, participantName: name };
  }
  const stackOf = () => new Stack(noBundling(), 'Test');
  const done = (step: string) => ({ step, marks: 'done' as const });

  it('refuses a consumed event type that no participant emits, naming what is emitted', () => {
    const stack = stackOf();
    expect(
      () =>
        new Choreography(stack, 'Orders', {
          participants: [
            { member: member(stack, 'Order'), emits: { OrderPlaced: done('Place') } },
            { member: member(stack, 'Inventory'), consumes: ['OrderPlacedd'] },
          ],
        }),
    ).toThrow(
      'Choreography "Orders": Inventory consumes "OrderPlacedd", which no participant emits (emitted: OrderPlaced). Fix the name, or add it to the producer\'s `emits`.',
    );
  });

  it('refuses a saga name with "#", which participants refuse in their barrier keys', () => {
    const stack = stackOf();
    expect(
      () =>
        new Choreography(stack, 'Orders', {
          sagaName: 'Orders#2',
          participants: [{ member: member(stack, 'Order'), emits: { OrderPlaced: done('Place') } }],
        }),
    ).toThrow('Choreography "Orders#2": the saga name contains "#", which participants refuse');
  });

  it('refuses an event type with two producers and a participant name used twice', () => {
    const stack = stackOf();
    expect(
      () =>
        new Choreography(stack, 'Orders', {
          participants: [
            { member: member(stack, 'A'), emits: { Done: done('A') } },
            { member: member(stack, 'B'), emits: { Done: done('B') } },
          ],
        }),
    ).toThrow(
      'Choreography "Orders": event type "Done" is emitted by both A and B; an event type has one producer. Rename one of them.',
    );
    const other = stackOf();
    const a = member(other, 'A');
    expect(
      () =>
        new Choreography(other, 'Orders', {
          participants: [{ member: a }, { member: a }],
        }),
    ).toThrow('Choreography "Orders": the participant name "A" is used twice');
  });

  it('refuses an emitting participant whose table has no stream', () => {
    const stack = stackOf();
    expect(
      () =>
        new Choreography(stack, 'Orders', {
          participants: [{ member: member(stack, 'Order', false), emits: { OrderPlaced: done('Place') } }],
        }),
    ).toThrow('Choreography "Orders", participant "Order": table Test/OrderTable has no stream.');
  });

  it('refuses a visibility timeout shorter than 6 × the consumer timeout', () => {
    const stack = stackOf();
    expect(
      () =>
        new Choreography(stack, 'Orders', {
          visibilityTimeout: Duration.seconds(60),
          participants: [
            { member: member(stack, 'Order'), emits: { OrderPlaced: done('Place') } },
            { member: member(stack, 'Inventory'), consumes: ['OrderPlaced'] },
          ],
        }),
    ).toThrow(
      'Choreography "Orders": the visibility timeout (60 s) must be at least 6 × the timeout of participant Inventory (20 s), or an event still being handled reappears. Raise `visibilityTimeout` to at least 120 s.',
    );
  });

  it('creates no tracker when asked not to, and then refuses grantReadState', () => {
    const stack = stackOf();
    const choreography = new Choreography(stack, 'Orders', {
      tracker: false,
      participants: [
        { member: member(stack, 'Order'), emits: { OrderPlaced: done('Place') } },
        { member: member(stack, 'Inventory'), consumes: ['OrderPlaced'] },
      ],
    });
    expect(choreography.trackerTable).toBeUndefined();
    Template.fromStack(stack).resourceCountIs('AWS::SQS::Queue', 2 + 1);
    expect(() =>
      choreography.grantReadState(new iam.Role(stack, 'R', { assumedBy: new iam.AccountRootPrincipal() })),
    ).toThrow(
      'Choreography "Orders" has no tracker (`tracker: false`), so there is no state to read. Remove `tracker: false`.',
    );
  });
});
