import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { SagaLogLevel } from '../saga/saga-props.js';
import { SagaValidationError } from '../saga/saga-validation.js';

/** Namespace of the metrics the log metric filters of sagas and TCC transactions publish. */
export const SAGA_METRICS_NAMESPACE = 'stepsaga';

export interface FailStateMetricOptions {
  /** What the error message names, e.g. `Saga "PlaceOrder"`. */
  readonly where: string;
  /** The public method asking, e.g. `metricCompensated`. */
  readonly method: string;
  /** The construct id of the metric filter. */
  readonly id: string;
  /** The `Fail` state whose entries are counted. */
  readonly stateName: string;
  readonly metricName: string;
}

/**
 * What a saga and a TCC transaction have in common once built: one state machine that sends the
 * executions an operator must finish to a parked queue. Grants and metrics work on those.
 */
export abstract class OrchestratedTransaction extends Construct {
  public abstract readonly stateMachine: sfn.StateMachine;
  public abstract readonly logGroup: logs.LogGroup;
  public abstract readonly parkedQueue: sqs.IQueue;
  protected abstract readonly logLevel: SagaLogLevel;

  /** Allows starting executions. */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Allows listing and describing executions and their history. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantRead(grantee);
  }

  /** Executions that succeeded (AWS/States ExecutionsSucceeded). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /**
   * Executions that failed for any reason (AWS/States ExecutionsFailed): compensated or cancelled,
   * parked, input refused, or a failure outside the state machine's handling.
   */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /**
   * Executions parked for an operator: messages sent to the parked queue
   * (AWS/SQS NumberOfMessagesSent), which works at any log level.
   */
  public metricParked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.parkedQueue.metricNumberOfMessagesSent({ statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Executions that ended in one `Fail` state: a metric filter on the log group counting its
   * `FailStateEntered` events (state names are logged even without execution data), created on
   * first use. Needs log level ALL.
   */
  protected metricFailState(
    options: FailStateMetricOptions,
    props?: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    if (this.logLevel !== 'ALL') {
      throw new SagaValidationError(
        `${options.where}: ${options.method}() counts FailStateEntered log events, which log level ${this.logLevel} does not write. Set \`logLevel: 'ALL'\`.`,
      );
    }
    const filter =
      (this.node.tryFindChild(options.id) as logs.MetricFilter | undefined) ??
      new logs.MetricFilter(this, options.id, {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.type', '=', 'FailStateEntered'),
          logs.FilterPattern.stringValue('$.details.name', '=', options.stateName),
        ),
        metricNamespace: SAGA_METRICS_NAMESPACE,
        metricName: options.metricName,
        metricValue: '1',
        unit: cloudwatch.Unit.COUNT,
      });
    return filter.metric({ statistic: cloudwatch.Stats.SUM, ...props });
  }
}
