import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SagaDashboard } from '../../infra/constructs/dashboard/index.js';
import { PlaceOrderStack } from '../../workflows/place-order.js';

// Bundling is skipped: the dashboard needs the functions' names, not their code.
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new PlaceOrderStack(app, 'DashboardTest');
const dashboard = new SagaDashboard(stack, 'Operations', {
  dashboardName: 'stepsaga-example',
  sagas: [stack.placeOrder],
  participants: [stack.inventory, stack.payment, stack.shipping],
  relays: stack.relays,
  channels: [stack.outcomes],
});
const template = Template.fromStack(stack);
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties?: Record<string, unknown> }
>;

type Ref = { Ref: string } | { 'Fn::GetAtt': [string, string] };
const logicalId = (value: unknown): string | undefined => {
  const ref = value as Ref;
  if (ref && typeof ref === 'object' && 'Ref' in ref) return ref.Ref;
  if (ref && typeof ref === 'object' && 'Fn::GetAtt' in ref) return ref['Fn::GetAtt'][0];
  return undefined;
};

interface RenderedWidget {
  readonly type: string;
  readonly properties: { title?: string; metrics?: unknown[][]; alarms?: unknown[] };
}
const rendered = dashboard.widgets.flatMap((w) => stack.resolve(w.toJson()) as RenderedWidget[]);
const metrics = rendered.flatMap((w) =>
  (w.properties.metrics ?? []).map((m) => ({ title: w.properties.title, metric: m })),
);

/** The resource type a dimension of each AWS namespace must name. */
const DIMENSION_TYPES: Record<string, [string, string]> = {
  'AWS/States': ['StateMachineArn', 'AWS::StepFunctions::StateMachine'],
  'AWS/SQS': ['QueueName', 'AWS::SQS::Queue'],
  'AWS/Lambda': ['FunctionName', 'AWS::Lambda::Function'],
};

describe('SagaDashboard', () => {
  it('creates one dashboard with the given name', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'stepsaga-example' });
  });

  it('graphs only metrics of resources in the synthesized template, or of its log metric filters', () => {
    expect(metrics.length).toBeGreaterThan(20);
    for (const { title, metric } of metrics) {
      const [namespace, name, ...rest] = metric as [string, string, ...unknown[]];
      const where = `${title}: ${namespace} ${name}`;
      if (namespace === 'stepsaga') {
        // A custom metric exists only if a metric filter in the template publishes it.
        const filters = Object.values(resources).filter(
          (r) =>
            r.Type === 'AWS::Logs::MetricFilter' &&
            (
              (r.Properties?.MetricTransformations ?? []) as { MetricName: string; MetricNamespace: string }[]
            ).some((t) => t.MetricName === name && t.MetricNamespace === namespace),
        );
        expect(filters, where).toHaveLength(1);
        continue;
      }
      const [dimension, type] = DIMENSION_TYPES[namespace] ?? [];
      expect(dimension, `${where}: unexpected namespace`).toBeDefined();
      expect(rest[0], where).toBe(dimension);
      const id = logicalId(rest[1]);
      expect(id, `${where}: the dimension is not a reference to a resource`).toBeDefined();
      expect(resources[id ?? '']?.Type, where).toBe(type);
    }
  });

  it('shows started, succeeded, compensated, parked and failed executions of the saga, readably labelled', () => {
    const executions = rendered.find((w) => w.properties.title === 'PlaceOrder: executions');
    const labels = (executions?.properties.metrics ?? []).map((m) => (m.at(-1) as { label?: string }).label);
    expect(labels).toEqual(['started', 'succeeded', 'compensated', 'parked', 'failed (any reason)']);
    const names = (executions?.properties.metrics ?? []).map((m) => `${m[0]} ${m[1]}`);
    expect(names).toEqual([
      'AWS/States ExecutionsStarted',
      'AWS/States ExecutionsSucceeded',
      'stepsaga PlaceOrderCompensated',
      'AWS/SQS NumberOfMessagesSent',
      'AWS/States ExecutionsFailed',
    ]);
  });

  it('has a latency and an error graph per participant, lag per relay and delivery per channel', () => {
    const titles = rendered.map((w) => w.properties.title);
    for (const participant of ['Inventory', 'Payment', 'Shipping']) {
      expect(titles).toContain(`${participant}: step latency`);
      expect(titles).toContain(`${participant}: invocations and errors`);
    }
    expect(titles.filter((t) => t?.endsWith(': outbox relay lag'))).toHaveLength(stack.relays.length);
    expect(titles).toContain('OrderOutcomes: notification delivery');
    expect(titles).toContain('OrderOutcomes: dead letters');
  });

  it('links every alarm the constructs created for what it shows, each one an alarm of the template', () => {
    const status = rendered.find((w) => w.type === 'alarm');
    const alarmIds = (status?.properties.alarms ?? []).map(logicalId);
    const expected = [
      stack.placeOrder.parkedAlarm,
      ...stack.relays.flatMap((r) => [
        r.iteratorAgeAlarm,
        r.failureQueueAlarm,
        ...(r.deadLetterAlarm ? [r.deadLetterAlarm] : []),
      ]),
      stack.outcomes.deadLetterAlarm,
      stack.outcomes.notifierErrorsAlarm,
    ].map((alarm) => stack.getLogicalId(alarm.node.defaultChild as never));
    expect(alarmIds).toEqual(expected);
    for (const id of alarmIds) expect(resources[id ?? '']?.Type).toBe('AWS::CloudWatch::Alarm');
  });
});
