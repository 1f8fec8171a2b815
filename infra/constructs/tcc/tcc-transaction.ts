import { Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { validateBarrierRetention } from '../orchestration/barrier-retention.js';
import { OrchestratedTransaction } from '../orchestration/orchestrated-transaction.js';
import { resolveDecisionTimeout } from '../orchestration/parked-decision-timeout.js';
import { createParkedQueue } from '../orchestration/parked-queue.js';
import { createOrchestrationStateMachine } from '../orchestration/state-machine.js';
import { EXPRESS_MAX_DURATION_SECONDS, MAX_HISTORY_EVENTS } from '../saga/saga-limits.js';
import { durationSeconds } from '../saga/saga-plan.js';
import type { SagaLogLevel, SagaType } from '../saga/saga-props.js';
import { SagaValidationError, validateRetry, validateTimeout } from '../saga/saga-validation.js';
import { checkTccOperations } from '../saga/step-operations-check.js';
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
export class TccTransaction extends OrchestratedTransaction {
  public readonly transactionName: string;
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;
  public readonly parkedQueue: sqs.IQueue;
  /** In alarm while any parked transaction waits in {@link parkedQueue}. */
  public readonly parkedAlarm: cloudwatch.Alarm;
  /** The generated definition; function ARNs and the queue URL are tokens until synthesis. */
  public readonly definition: TccDefinition;
  public readonly participants: readonly ResolvedTccParticipant[];
  protected readonly logLevel: SagaLogLevel;

  constructor(scope: Construct, id: string, props: TccTransactionProps) {
    super(scope, id);
    this.transactionName = props.transactionName ?? id;
    const name = this.transactionName;
    const type: SagaType = props.type ?? 'STANDARD';
    this.logLevel = props.logLevel ?? 'ALL';

    validateTransactionName(name);
    validateParticipantDeclarations(name, props.participants);
    const plan = resolveTccPlan(props);
    checkTccOperations(
      name,
      plan.participants.map((resolved, i) => ({
        ...resolved,
        participant: props.participants[i]!.participant,
      })),
    );
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
    const worst = tccWorstCase(plan);
    if (!worst.unresolved) {
      validateBarrierRetention({
        where: `TccTransaction "${name}"`,
        worstCaseDescription:
          'every Try, Confirm or Cancel attempt timing out and every retry wait at its longest, then the park',
        worstCaseSeconds: worst.durationSeconds,
        ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
        uses: props.participants.map((p) => ({ usedBy: `as "${p.name}"`, participant: p.participant })),
      });
    }
    this.participants = plan.participants;
    const parkedDecisionTimeoutSeconds = resolveDecisionTimeout(
      `TccTransaction "${name}"`,
      type,
      props.parkedDecisionTimeout,
    );

    const parked = createParkedQueue(this, {
      queue: props.parkedQueue,
      noDeadLetterQueueReason:
        'The parked-transactions queue is itself a dead-letter destination: the transaction sends to it only after Confirm or Cancel retries are exhausted, an operator reads it, and parkedAlarm fires while it holds a message.',
      alarmDescription: `TCC transaction ${name}: an execution was parked; an operator must confirm or cancel every participant again (see the parked queue).`,
    });
    this.parkedQueue = parked.queue;
    this.parkedAlarm = parked.alarm;

    this.definition = buildTccDefinition({
      transactionName: name,
      participants: plan.participants,
      confirmRetry: plan.confirmRetry,
      cancelRetry: plan.cancelRetry,
      parkedQueueUrl: this.parkedQueue.queueUrl,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(parkedDecisionTimeoutSeconds !== undefined ? { parkedDecisionTimeoutSeconds } : {}),
    });

    const machine = createOrchestrationStateMachine(this, {
      name,
      type,
      definition: this.definition,
      logLevel: this.logLevel,
      logRetention: props.logRetention,
      tracing: props.tracing,
      includeExecutionData: props.includeExecutionData,
      invocations: plan.participants,
      queues: [this.parkedQueue],
    });
    this.stateMachine = machine.stateMachine;
    this.logGroup = machine.logGroup;
  }

  /**
   * Executions that ended cancelled: a metric filter counting `FailStateEntered` log events of the
   * `SagaCancelled` state. Needs `logLevel: 'ALL'`.
   */
  public metricCancelled(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricFailState(
      {
        where: `TccTransaction "${this.transactionName}"`,
        method: 'metricCancelled',
        id: 'CancelledMetricFilter',
        stateName: TccStateNames.cancelled,
        metricName: `${this.transactionName}Cancelled`,
      },
      props,
    );
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
