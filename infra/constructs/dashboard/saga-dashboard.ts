import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { Saga } from '../saga/saga.js';
import type { TccTransaction } from '../tcc/tcc-transaction.js';
import type { SagaDashboardProps } from './saga-dashboard-props.js';

const WIDTH = 24;
const HALF = 12;
const THIRD = 8;
const HEIGHT = 6;

/**
 * One CloudWatch dashboard for an app's sagas (or one saga's, if you pass one): how executions end
 * per saga, the parked queue, each participant's latency and errors, outbox relay lag, notification
 * delivery, and the state of every alarm the constructs created, so an operator paged by one alarm
 * sees its context on one page. Every metric is one the constructs already publish or the
 * services emit; nothing extra is billed beyond the dashboard (and, on first use, the compensated
 * and cancelled log metric filters, which need `logLevel: 'ALL'`, the default).
 */
export class SagaDashboard extends Construct {
  public readonly dashboard: cloudwatch.Dashboard;
  /** Every widget, in order: for tests and for adding them to a dashboard of your own. */
  public readonly widgets: readonly cloudwatch.IWidget[];
  /** The alarms shown in the alarm status widget. */
  public readonly alarms: readonly cloudwatch.IAlarm[];

  constructor(scope: Construct, id: string, props: SagaDashboardProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const sum = { statistic: cloudwatch.Stats.SUM, period };
    const widgets: cloudwatch.IWidget[] = [];
    const alarms: cloudwatch.IAlarm[] = [];

    for (const saga of props.sagas) {
      const name = saga instanceof Saga ? saga.sagaName : (saga as TccTransaction).transactionName;
      const undone =
        saga instanceof Saga
          ? saga.metricCompensated({ ...sum, label: 'compensated' })
          : (saga as TccTransaction).metricCancelled({ ...sum, label: 'cancelled' });
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${name}: executions`,
          width: HALF + THIRD / 2,
          height: HEIGHT,
          left: [
            saga.stateMachine.metricStarted({ ...sum, label: 'started' }),
            saga.metricSucceeded({ ...sum, label: 'succeeded' }),
            undone,
            saga.metricParked({ ...sum, label: 'parked' }),
            saga.metricFailed({ ...sum, label: 'failed (any reason)' }),
          ],
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: parked, waiting for a decision`,
          width: HALF - THIRD / 2,
          height: HEIGHT,
          left: [
            saga.parkedQueue.metricApproximateNumberOfMessagesVisible({
              statistic: cloudwatch.Stats.MAXIMUM,
              period,
              label: 'parked queue depth',
            }),
          ],
          leftAnnotations: [{ value: 1, label: 'parkedAlarm', color: cloudwatch.Color.RED }],
        }),
      );
      alarms.push(saga.parkedAlarm);
    }

    for (const participant of props.participants ?? []) {
      const fn = participant.function;
      const name = participant.participantName;
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${name}: step latency`,
          width: HALF,
          height: HEIGHT,
          left: [
            fn.metricDuration({ statistic: cloudwatch.Stats.p(50), period, label: 'p50' }),
            fn.metricDuration({ statistic: cloudwatch.Stats.p(99), period, label: 'p99' }),
          ],
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: invocations and errors`,
          width: HALF,
          height: HEIGHT,
          left: [
            fn.metricInvocations({ ...sum, label: 'invocations' }),
            fn.metricErrors({ ...sum, label: 'errors' }),
            fn.metricThrottles({ ...sum, label: 'throttles' }),
          ],
        }),
      );
    }

    for (const relay of props.relays ?? []) {
      const name = relay.node.id;
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${name}: outbox relay lag`,
          width: HALF,
          height: HEIGHT,
          left: [relay.metricIteratorAge({ period, label: 'iterator age (ms)' })],
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: records not relayed`,
          width: HALF,
          height: HEIGHT,
          left: [
            relay.failureQueue.metricApproximateNumberOfMessagesVisible({
              statistic: cloudwatch.Stats.MAXIMUM,
              period,
              label: 'failure queue depth',
            }),
            ...(relay.deadLetterQueue
              ? [
                  relay.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
                    statistic: cloudwatch.Stats.MAXIMUM,
                    period,
                    label: 'dead-letter queue depth',
                  }),
                ]
              : []),
          ],
        }),
      );
      alarms.push(relay.iteratorAgeAlarm, relay.failureQueueAlarm);
      if (relay.deadLetterAlarm) alarms.push(relay.deadLetterAlarm);
    }

    for (const channel of props.channels ?? []) {
      const name = channel.node.id;
      widgets.push(
        new cloudwatch.GraphWidget({
          title: `${name}: notification delivery`,
          width: HALF,
          height: HEIGHT,
          left: [
            channel.queue.metricNumberOfMessagesSent({ ...sum, label: 'published' }),
            channel.queue.metricNumberOfMessagesDeleted({ ...sum, label: 'delivered (or given up)' }),
            channel.notifier.metricErrors({ ...sum, label: 'notifier errors' }),
          ],
        }),
        new cloudwatch.GraphWidget({
          title: `${name}: dead letters`,
          width: HALF,
          height: HEIGHT,
          left: [
            channel.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
              statistic: cloudwatch.Stats.MAXIMUM,
              period,
              label: 'dead-letter queue depth',
            }),
          ],
        }),
      );
      alarms.push(channel.deadLetterAlarm, channel.notifierErrorsAlarm);
    }

    if (alarms.length > 0) {
      widgets.unshift(
        new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: WIDTH, height: HEIGHT / 2 }),
      );
    }
    this.widgets = widgets;
    this.alarms = alarms;
    this.dashboard = new cloudwatch.Dashboard(this, 'Resource', {
      ...(props.dashboardName !== undefined ? { dashboardName: props.dashboardName } : {}),
      // Two widgets per row (a full-width alarm row first): each row is one saga, participant,
      // relay or channel, which keeps the page readable however many there are.
      widgets: rowsOf(widgets),
    });
  }
}

function rowsOf(widgets: readonly cloudwatch.IWidget[]): cloudwatch.IWidget[][] {
  const rows: cloudwatch.IWidget[][] = [];
  let row: cloudwatch.IWidget[] = [];
  let width = 0;
  for (const widget of widgets) {
    if (width + widget.width > WIDTH && row.length > 0) {
      rows.push(row);
      row = [];
      width = 0;
    }
    row.push(widget);
    width += widget.width;
  }
  if (row.length > 0) rows.push(row);
  return rows;
}
