import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { buildSagaDefinition, type SagaDefinition } from './saga-definition.js';
import { EXPRESS_MAX_DURATION_SECONDS, MAX_HISTORY_EVENTS, worstCase } from './saga-limits.js';
import { outcomeQueue } from './saga-outcomes.js';
import {
  DEFAULT_PERSISTENT_RETRY,
  durationSeconds,
  type ResolvedStep,
  resolveRetry,
  resolveSteps,
} from './saga-plan.js';
import type { SagaLogLevel, SagaProps, SagaType } from './saga-props.js';
import { StateNames } from './saga-state-names.js';
import {
  SagaValidationError,
  validateInputSchema,
  validateKinds,
  validateRetry,
  validateSagaName,
  validateStepDeclarations,
  validateTimeout,
} from './saga-validation.js';

/** Namespace of the metrics the saga's log metric filters publish. */
export const SAGA_METRICS_NAMESPACE = 'stepsaga';

/**
 * A saga as one Step Functions state machine: forward Lambda tasks, a reverse compensation chain,
 * and a parked-sagas queue for executions an operator must finish. See docs/architecture.md.
 */
export class Saga extends Construct {
  public readonly sagaName: string;
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;
  public readonly parkedQueue: sqs.IQueue;
  /** In alarm while any parked saga waits in {@link parkedQueue}. */
  public readonly parkedAlarm: cloudwatch.Alarm;
  /** Where outcome messages go, when the saga has `outcomes`. */
  public readonly outcomeQueue?: sqs.IQueue;
  /** The generated definition; function ARNs and the queue URL are tokens until synthesis. */
  public readonly definition: SagaDefinition;
  public readonly steps: readonly ResolvedStep[];
  private readonly logLevel: SagaLogLevel;
  private compensatedMetricFilter?: logs.MetricFilter;

  constructor(scope: Construct, id: string, props: SagaProps) {
    super(scope, id);
    this.sagaName = props.sagaName ?? id;
    const sagaName = this.sagaName;
    const type: SagaType = props.type ?? 'STANDARD';
    this.logLevel = props.logLevel ?? 'ALL';

    validateSagaName(sagaName);
    validateStepDeclarations(sagaName, props.steps);
    const steps = resolveSteps(props.steps);
    validateKinds(sagaName, steps);
    for (const step of steps) {
      const where = `Saga "${sagaName}", step "${step.name}"`;
      validateRetry(where, 'retry', step.retry);
      validateTimeout(where, step.timeoutSeconds);
    }
    const compensationRetry = resolveRetry(props.compensationRetry, DEFAULT_PERSISTENT_RETRY);
    validateRetry(`Saga "${sagaName}"`, 'compensationRetry', compensationRetry);
    if (props.inputSchema) validateInputSchema(sagaName, props.inputSchema);
    const timeoutSeconds = props.timeout ? durationSeconds(props.timeout) : undefined;
    if (timeoutSeconds !== undefined) validateTimeout(`Saga "${sagaName}"`, timeoutSeconds);
    this.validateLimits(sagaName, type, steps, compensationRetry, props, timeoutSeconds);
    this.steps = steps;

    if (props.parkedQueue) {
      this.parkedQueue = props.parkedQueue;
    } else {
      const queue = new sqs.Queue(this, 'ParkedQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const reason =
        'The parked-sagas queue is itself a dead-letter destination: the saga sends to it only after retries and compensation are exhausted, an operator reads it, and parkedAlarm fires while it holds a message.';
      Validations.of(queue).acknowledge(
        { id: 'AwsSolutions-SQS3', reason },
        { id: 'Serverless-SQSRedrivePolicy', reason },
      );
      this.parkedQueue = queue;
    }
    if (props.outcomes) {
      this.outcomeQueue = outcomeQueue(props.outcomes);
      this.validateOutcomeQueue(sagaName, this.outcomeQueue);
    }
    this.parkedAlarm = new cloudwatch.Alarm(this, 'ParkedAlarm', {
      alarmDescription: `Saga ${sagaName}: an execution was parked; an operator must finish or undo it (see the parked-sagas queue).`,
      metric: this.parkedQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.definition = buildSagaDefinition({
      sagaName,
      steps,
      compensationRetry,
      parkedQueueUrl: this.parkedQueue.queueUrl,
      ...(this.outcomeQueue ? { outcomeQueueUrl: this.outcomeQueue.queueUrl } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(props.inputSchema ? { inputSchema: props.inputSchema } : {}),
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName: Token.isUnresolved(sagaName) ? undefined : sagaName,
      stateMachineType: type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(Stack.of(this).toJsonString(this.definition)),
      tracingEnabled: props.tracing ?? true,
      logs: {
        destination: this.logGroup,
        level: this.logLevel === 'ALL' ? sfn.LogLevel.ALL : sfn.LogLevel.ERROR,
        includeExecutionData: props.includeExecutionData ?? false,
      },
    });

    // Exact ARNs only: CDK's grantInvoke would also allow every version and alias (`<arn>:*`).
    const functionArns = [...new Set(steps.map((s) => s.functionArn))];
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functionArns }),
    );
    const queues = this.outcomeQueue ? [this.parkedQueue, this.outcomeQueue] : [this.parkedQueue];
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: queues.map((q) => q.queueArn) }),
    );
    for (const queue of queues) {
      queue.encryptionMasterKey?.grant(this.stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');
    }
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only CloudWatch Logs delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments and related) are granted on "*": those actions support no resource-level permissions. Lambda and SQS grants name exact ARNs.',
      });
    }
  }

  private validateLimits(
    sagaName: string,
    type: SagaType,
    steps: readonly ResolvedStep[],
    compensationRetry: ReturnType<typeof resolveRetry>,
    props: SagaProps,
    timeoutSeconds: number | undefined,
  ): void {
    const worst = worstCase(
      steps,
      compensationRetry,
      props.inputSchema !== undefined,
      props.outcomes !== undefined,
    );
    if (worst.unresolved) return;
    if (type === 'STANDARD' && worst.historyEvents > MAX_HISTORY_EVENTS) {
      throw new SagaValidationError(
        `Saga "${sagaName}": its worst-case execution writes ${worst.historyEvents} history events (every retry and compensation attempt used), over Step Functions' limit of ${MAX_HISTORY_EVENTS}. Lower \`retry.attempts\` or \`compensationRetry.attempts\`, or split the saga.`,
      );
    }
    if (type === 'EXPRESS') {
      if (
        timeoutSeconds !== undefined &&
        !Token.isUnresolved(timeoutSeconds) &&
        timeoutSeconds > EXPRESS_MAX_DURATION_SECONDS
      ) {
        throw new SagaValidationError(
          `Saga "${sagaName}": an Express saga runs at most ${EXPRESS_MAX_DURATION_SECONDS} s, but \`timeout\` is ${timeoutSeconds} s. Lower \`timeout\` or use \`type: 'STANDARD'\`.`,
        );
      }
      if (worst.durationSeconds > EXPRESS_MAX_DURATION_SECONDS) {
        throw new SagaValidationError(
          `Saga "${sagaName}": an Express saga runs at most ${EXPRESS_MAX_DURATION_SECONDS} s, but its worst case (every attempt timing out, every retry wait at its longest, then every compensation) takes ${Math.ceil(worst.durationSeconds)} s; cut off, it would neither compensate nor park. Lower step timeouts and retry budgets, or use \`type: 'STANDARD'\`.`,
        );
      }
    }
  }

  private validateOutcomeQueue(sagaName: string, queue: sqs.IQueue): void {
    if (queue === this.parkedQueue) {
      throw new SagaValidationError(
        `Saga "${sagaName}": \`outcomes\` names the parked-sagas queue, whose alarm means "an operator must act"; every outcome would set it off. Pass another queue or a NotificationChannel.`,
      );
    }
    if (queue.fifo) {
      throw new SagaValidationError(
        `Saga "${sagaName}": the outcome queue ${queue.node.path} is a FIFO queue; outcomes are sent without a message group. Use a standard queue (a NotificationChannel's queue is one).`,
      );
    }
  }

  /** Allows starting executions (and so running the saga). */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Allows listing and describing executions and their history. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantRead(grantee);
  }

  /** Executions that reached `SagaSucceeded` (AWS/States ExecutionsSucceeded). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /**
   * Executions that failed for any reason (AWS/States ExecutionsFailed): compensated, parked,
   * input refused, or a failure outside the saga's handling.
   */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /**
   * Executions that ended compensated: a metric filter on the state machine's log group counting
   * `FailStateEntered` events of the `SagaCompensated` state (state names are logged even without
   * execution data). Needs `logLevel: 'ALL'`.
   */
  public metricCompensated(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (this.logLevel !== 'ALL') {
      throw new SagaValidationError(
        `Saga "${this.sagaName}": metricCompensated() counts FailStateEntered log events, which log level ${this.logLevel} does not write. Set \`logLevel: 'ALL'\`.`,
      );
    }
    if (!this.compensatedMetricFilter) {
      this.compensatedMetricFilter = new logs.MetricFilter(this, 'CompensatedMetricFilter', {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.type', '=', 'FailStateEntered'),
          logs.FilterPattern.stringValue('$.details.name', '=', StateNames.compensated),
        ),
        metricNamespace: SAGA_METRICS_NAMESPACE,
        metricName: `${this.sagaName}Compensated`,
        metricValue: '1',
        unit: cloudwatch.Unit.COUNT,
      });
    }
    return this.compensatedMetricFilter.metric({ statistic: cloudwatch.Stats.SUM, ...props });
  }

  /**
   * Executions parked for an operator: messages sent to the parked-sagas queue
   * (AWS/SQS NumberOfMessagesSent), which works at any log level.
   */
  public metricParked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.parkedQueue.metricNumberOfMessagesSent({ statistic: cloudwatch.Stats.SUM, ...props });
  }
}
