import { Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { SagaOutcomeType } from '../../../functions/runtime/saga-outcome-message.js';
import { SAGA_COST_PLAN_METADATA, type SagaCostPlan } from '../cost/saga-cost-plan.js';
import { sagaCostPlanOf } from '../cost/saga-cost-plan-of.js';
import { validateBarrierRetention } from '../orchestration/barrier-retention.js';
import { OrchestratedTransaction } from '../orchestration/orchestrated-transaction.js';
import { resolveDecisionTimeout } from '../orchestration/parked-decision-timeout.js';
import { createParkedQueue } from '../orchestration/parked-queue.js';
import { createOrchestrationStateMachine } from '../orchestration/state-machine.js';
import { validateCallbackStep } from './saga-callback-step.js';
import { grantChildSteps, isChildStep, validateChildStep } from './saga-child-step.js';
import { buildSagaDefinition, type SagaDefinition } from './saga-definition.js';
import { EXPRESS_MAX_DURATION_SECONDS, MAX_HISTORY_EVENTS, worstCase } from './saga-limits.js';
import { ALL_OUTCOMES, outcomeQueue } from './saga-outcomes.js';
import {
  flattenSteps,
  participantSteps,
  stepView,
  validateGroupDeclarations,
  validateGroupKinds,
} from './saga-parallel-group.js';
import {
  DEFAULT_PERSISTENT_RETRY,
  durationSeconds,
  type ResolvedStep,
  resolveRetry,
  resolveSteps,
} from './saga-plan.js';
import type { SagaLogLevel, SagaProps, SagaType } from './saga-props.js';
import { planStateBudget, type SagaStateBudget } from './saga-state-budget.js';
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
import { checkStepOperations } from './step-operations-check.js';
import { resolveStepPayloads } from './step-payload.js';

export { SAGA_METRICS_NAMESPACE } from '../orchestration/orchestrated-transaction.js';

/**
 * A saga as one Step Functions state machine: forward Lambda tasks, a reverse compensation chain,
 * and a parked-sagas queue for executions an operator must finish. See docs/architecture.md.
 */
export class Saga extends OrchestratedTransaction {
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
  /** How the 256 KiB saga state is shared: the input budget and each step's result budget. */
  public readonly stateBudget: SagaStateBudget;
  /** What the cost report prices (`stepsaga cost`); also in the state machine's template metadata. */
  public readonly costPlan: SagaCostPlan;
  protected readonly logLevel: SagaLogLevel;

  constructor(scope: Construct, id: string, props: SagaProps) {
    super(scope, id);
    this.sagaName = props.sagaName ?? id;
    const sagaName = this.sagaName;
    const type: SagaType = props.type ?? 'STANDARD';
    this.logLevel = props.logLevel ?? 'ALL';

    validateSagaName(sagaName);
    validateGroupDeclarations(sagaName, props.steps);
    const declaredSteps = flattenSteps(props.steps);
    validateStepDeclarations(sagaName, declaredSteps.map(stepView));
    checkStepOperations(sagaName, participantSteps(declaredSteps));
    const steps = resolveSteps(declaredSteps);
    declaredSteps.forEach((step, i) => {
      if (isChildStep(step)) validateChildStep(sagaName, step, steps[i]!.kind);
    });
    validateGroupKinds(sagaName, steps);
    validateKinds(sagaName, steps);
    for (const step of steps) {
      const where = `Saga "${sagaName}", step "${step.name}"`;
      validateRetry(where, 'retry', step.retry);
      validateTimeout(where, step.timeoutSeconds);
      validateCallbackStep(sagaName, step, type);
    }
    const compensationRetry = resolveRetry(props.compensationRetry, DEFAULT_PERSISTENT_RETRY);
    validateRetry(`Saga "${sagaName}"`, 'compensationRetry', compensationRetry);
    if (props.inputSchema) validateInputSchema(sagaName, props.inputSchema);
    const timeoutSeconds = props.timeout ? durationSeconds(props.timeout) : undefined;
    if (timeoutSeconds !== undefined) validateTimeout(`Saga "${sagaName}"`, timeoutSeconds);
    this.validateLimits(sagaName, type, steps, compensationRetry, props, timeoutSeconds);
    this.stateBudget = planStateBudget(sagaName, declaredSteps.map(stepView), props.maxInputBytes);
    const payloads = resolveStepPayloads(sagaName, declaredSteps, props.inputSchema);
    this.steps = steps;
    const parkedDecisionTimeoutSeconds = resolveDecisionTimeout(
      `Saga "${sagaName}"`,
      type,
      props.parkedDecisionTimeout,
    );

    const parked = createParkedQueue(this, {
      queue: props.parkedQueue,
      noDeadLetterQueueReason:
        'The parked-sagas queue is itself a dead-letter destination: the saga sends to it only after retries and compensation are exhausted, an operator reads it, and parkedAlarm fires while it holds a message.',
      alarmDescription: `Saga ${sagaName}: an execution was parked; an operator must finish or undo it (see the parked-sagas queue).`,
    });
    this.parkedQueue = parked.queue;
    this.parkedAlarm = parked.alarm;
    if (props.outcomes) {
      this.outcomeQueue = outcomeQueue(props.outcomes);
      this.validateOutcomeQueue(sagaName, this.outcomeQueue);
      validatePublishedOutcomes(sagaName, props.outcomes.publish);
    }

    this.definition = buildSagaDefinition({
      sagaName,
      steps,
      compensationRetry,
      parkedQueueUrl: this.parkedQueue.queueUrl,
      ...(this.outcomeQueue ? { outcomeQueueUrl: this.outcomeQueue.queueUrl } : {}),
      ...(props.outcomes?.publish ? { publishOutcomes: props.outcomes.publish } : {}),
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(props.inputSchema ? { inputSchema: props.inputSchema } : {}),
      budget: this.stateBudget,
      ...(parkedDecisionTimeoutSeconds !== undefined ? { parkedDecisionTimeoutSeconds } : {}),
      payloads,
    });

    const machine = createOrchestrationStateMachine(this, {
      name: sagaName,
      type,
      definition: this.definition,
      logLevel: this.logLevel,
      logRetention: props.logRetention,
      tracing: props.tracing,
      includeExecutionData: props.includeExecutionData,
      invocations: steps.filter((s) => s.child === undefined),
      queues: this.outcomeQueue ? [this.parkedQueue, this.outcomeQueue] : [this.parkedQueue],
    });
    this.stateMachine = machine.stateMachine;
    grantChildSteps(
      this.stateMachine,
      declaredSteps.flatMap((s) =>
        isChildStep(s) ? [s.childSaga, ...(s.compensationSaga ? [s.compensationSaga] : [])] : [],
      ),
    );
    this.logGroup = machine.logGroup;

    this.costPlan = sagaCostPlanOf({
      sagaName,
      type,
      steps,
      participants: declaredSteps.map((s) => (isChildStep(s) ? undefined : s.participant)),
      validatesInput: props.inputSchema !== undefined,
      publishes: props.outcomes ? (props.outcomes.publish ?? ALL_OUTCOMES) : [],
      waitsForDecision: parkedDecisionTimeoutSeconds !== undefined,
      compensationRetry,
      budget: this.stateBudget,
      resultDeclared: declaredSteps.map((s) => !isChildStep(s) && s.maxResultBytes !== undefined),
    });
    (this.stateMachine.node.defaultChild as sfn.CfnStateMachine).addMetadata(
      SAGA_COST_PLAN_METADATA,
      this.costPlan,
    );
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
      type === 'STANDARD',
    );
    if (worst.unresolved) return;
    validateBarrierRetention({
      where: `Saga "${sagaName}"`,
      worstCaseDescription:
        'every attempt timing out, every retry wait at its longest, then every compensation and the park',
      worstCaseSeconds: worst.durationSeconds,
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      uses: participantSteps(flattenSteps(props.steps)).map((step) => ({
        usedBy: `step "${step.name}"`,
        participant: step.participant,
      })),
    });
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

  /**
   * Executions that ended compensated: a metric filter on the state machine's log group counting
   * `FailStateEntered` events of the `SagaCompensated` state (state names are logged even without
   * execution data). Needs `logLevel: 'ALL'`.
   */
  public metricCompensated(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metricFailState(
      {
        where: `Saga "${this.sagaName}"`,
        method: 'metricCompensated',
        id: 'CompensatedMetricFilter',
        stateName: StateNames.compensated,
        metricName: `${this.sagaName}Compensated`,
      },
      props,
    );
  }
}

function validatePublishedOutcomes(sagaName: string, publish: readonly SagaOutcomeType[] | undefined): void {
  if (publish === undefined) return;
  const fix = `List some of ${ALL_OUTCOMES.join(', ')}, each once, or leave \`publish\` out to publish all.`;
  if (publish.length === 0) {
    throw new SagaValidationError(
      `Saga "${sagaName}": \`outcomes.publish\` is empty, so nothing would be published. ${fix}`,
    );
  }
  for (const [index, outcome] of publish.entries()) {
    if (!ALL_OUTCOMES.includes(outcome)) {
      throw new SagaValidationError(
        `Saga "${sagaName}": \`outcomes.publish\` names "${outcome}", which is not an outcome. ${fix}`,
      );
    }
    if (publish.indexOf(outcome) !== index) {
      throw new SagaValidationError(
        `Saga "${sagaName}": \`outcomes.publish\` lists "${outcome}" twice. ${fix}`,
      );
    }
  }
}
