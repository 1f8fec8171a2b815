import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { SAGA_METRICS_NAMESPACE } from '../saga/saga.js';
import { EXPRESS_MAX_DURATION_SECONDS, MAX_HISTORY_EVENTS } from '../saga/saga-limits.js';
import { durationSeconds } from '../saga/saga-plan.js';
import type { SagaLogLevel, SagaType } from '../saga/saga-props.js';
import { SagaValidationError, validateRetry, validateTimeout } from '../saga/saga-validation.js';
import { buildTccDefinition, type TccDefinition } from './tcc-definition.js';
import { tccWorstCase } from './tcc-limits.js';
import { type ResolvedTccParticipant, resolveTccPlan, type TccPlan } from './tcc-plan.js';
import type { TccTransactionProps } from './tcc-props.js';
import { TccStateNames } from './tcc-state-names.js';
import { validateParticipantDeclarations, validateTransactionName } from './tcc-validation.js';

/**
 * A Try-Confirm-Cancel transaction as one Step Functions state machine: Try on every participant in
 * parallel, then Confirm on all, or Cancel on all when any Try failed; a parked-transactions queue
 * for executions an operator must finish. See docs/tcc.md.
 */
export class TccTransaction extends Construct {
  public readonly transactionName: string;
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;
  public readonly parkedQueue: sqs.IQueue;
  /** In alarm while any parked transaction waits in {@link parkedQueue}. */
  public readonly parkedAlarm: cloudwatch.Alarm;
  /** The generated definition; function ARNs and the queue URL are tokens until synthesis. */
  public readonly definition: TccDefinition;
  public readonly participants: readonly ResolvedTccParticipant[];
  private readonly logLevel: SagaLogLevel;
  private cancelledMetricFilter?: logs.MetricFilter;

  constructor(scope: Construct, id: string, props: TccTransactionProps) {
    super(scope, id);
    this.transactionName = props.transactionName ?? id;
    const name = this.transactionName;
    const type: SagaType = props.type ?? 'STANDARD';
    this.logLevel = props.logLevel ?? 'ALL';

    validateTransactionName(name);
    validateParticipantDeclarations(name, props.participants);
    const plan = resolveTccPlan(props);
    for (const participant of plan.participants) {
      const where = `TccTransaction "${name}", participant "${participant.name}"`;
      validateRetry(where, 'tryRetry', participant.tryRetry);
      validateTimeout(where, participant.timeoutSeconds);
    }
    validateRetry(`TccTransaction "${name}"`, 'confirmRetry', plan.confirmRetry);
    validateRetry(`TccTransaction "${name}"`, 'cancelRetry', plan.cancelRetry);
    const timeoutSeconds = props.timeout ? durationSeconds(props.timeout) : undefined;
    if (timeoutSeconds !== undefined) validateTimeout(`TccTransaction "${name}"`, timeoutSeconds);
    validateLimits(name, type, plan, timeoutSeconds);
    this.participants = plan.participants;

    if (props.parkedQueue) {
      this.parkedQueue = props.parkedQueue;
    } else {
      const queue = new sqs.Queue(this, 'ParkedQueue', {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      const reason =
        'The parked-transactions queue is itself a dead-letter destination: the transaction sends to it only after Confirm or Cancel retries are exhausted, an operator reads it, and parkedAlarm fires while it holds a message.';
      Validations.of(queue).acknowledge(
        { id: 'AwsSolutions-SQS3', reason },
        { id: 'Serverless-SQSRedrivePolicy', reason },
      );
      this.parkedQueue = queue;
    }
    this.parkedAlarm = new cloudwatch.Alarm(this, 'ParkedAlarm', {
      alarmDescription: `TCC transaction ${name}: an execution was parked; an operator must confirm or cancel every participant again (see the parked queue).`,
      metric: this.parkedQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.definition = buildTccDefinition({
      transactionName: name,
      participants: plan.participants,
      confirmRetry: plan.confirmRetry,
      cancelRetry: plan.cancelRetry,
      parkedQueueUrl: this.parkedQueue.queueUrl,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Resource', {
      stateMachineName: Token.isUnresolved(name) ? undefined : name,
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
    const functionArns = [...new Set(plan.participants.map((p) => p.functionArn))];
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: functionArns }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.parkedQueue.queueArn] }),
    );
    this.parkedQueue.encryptionMasterKey?.grant(this.stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');
    const policy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only CloudWatch Logs delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments and related) are granted on "*": those actions support no resource-level permissions. Lambda and SQS grants name exact ARNs.',
      });
    }
  }

  /** Allows starting executions (and so running the transaction). */
  public grantStartExecution(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** Allows listing and describing executions and their history. */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantRead(grantee);
  }

  /** Executions that confirmed every participant (AWS/States ExecutionsSucceeded). */
  public metricSucceeded(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricSucceeded(props);
  }

  /** Executions that failed for any reason: cancelled, parked, or a failure outside the transaction's handling. */
  public metricFailed(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.stateMachine.metricFailed(props);
  }

  /**
   * Executions that ended cancelled: a metric filter counting `FailStateEntered` log events of the
   * `SagaCancelled` state. Needs `logLevel: 'ALL'`.
   */
  public metricCancelled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    if (this.logLevel !== 'ALL') {
      throw new SagaValidationError(
        `TccTransaction "${this.transactionName}": metricCancelled() counts FailStateEntered log events, which log level ${this.logLevel} does not write. Set \`logLevel: 'ALL'\`.`,
      );
    }
    if (!this.cancelledMetricFilter) {
      this.cancelledMetricFilter = new logs.MetricFilter(this, 'CancelledMetricFilter', {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.all(
          logs.FilterPattern.stringValue('$.type', '=', 'FailStateEntered'),
          logs.FilterPattern.stringValue('$.details.name', '=', TccStateNames.cancelled),
        ),
        metricNamespace: SAGA_METRICS_NAMESPACE,
        metricName: `${this.transactionName}Cancelled`,
        metricValue: '1',
        unit: cloudwatch.Unit.COUNT,
      });
    }
    return this.cancelledMetricFilter.metric({ statistic: cloudwatch.Stats.SUM, ...props });
  }

  /** Executions parked for an operator: messages sent to the parked queue (AWS/SQS NumberOfMessagesSent). */
  public metricParked(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.parkedQueue.metricNumberOfMessagesSent({ statistic: cloudwatch.Stats.SUM, ...props });
  }
}

function validateLimits(
  name: string,
  type: SagaType,
  plan: TccPlan,
  timeoutSeconds: number | undefined,
): void {
  const worst = tccWorstCase(plan);
  if (type === 'EXPRESS' && timeoutSeconds !== undefined && !Token.isUnresolved(timeoutSeconds)) {
    if (timeoutSeconds > EXPRESS_MAX_DURATION_SECONDS) {
      throw new SagaValidationError(
        `TccTransaction "${name}": an Express transaction runs at most ${EXPRESS_MAX_DURATION_SECONDS} s, but \`timeout\` is ${timeoutSeconds} s. Lower \`timeout\` or use \`type: 'STANDARD'\`.`,
      );
    }
  }
  if (worst.unresolved) return;
  if (type === 'STANDARD' && worst.historyEvents > MAX_HISTORY_EVENTS) {
    throw new SagaValidationError(
      `TccTransaction "${name}": its worst-case execution writes ${worst.historyEvents} history events (every Try, Confirm and Cancel retry used), over Step Functions' limit of ${MAX_HISTORY_EVENTS}. Lower \`tryRetry.attempts\`, \`confirmRetry.attempts\` or \`cancelRetry.attempts\`, or split the transaction.`,
    );
  }
  if (type === 'EXPRESS' && worst.durationSeconds > EXPRESS_MAX_DURATION_SECONDS) {
    throw new SagaValidationError(
      `TccTransaction "${name}": an Express transaction runs at most ${EXPRESS_MAX_DURATION_SECONDS} s, but its worst case (every attempt timing out, every retry wait at its longest, then every Confirm or Cancel) takes ${Math.ceil(worst.durationSeconds)} s; cut off, it would neither confirm, cancel nor park. Lower participant timeouts and retry budgets, or use \`type: 'STANDARD'\`.`,
    );
  }
}
