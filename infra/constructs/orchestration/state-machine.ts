import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { SagaLogLevel, SagaType } from '../saga/saga-props.js';
import { acknowledgeVersionsGrant } from '../shared/inherent-findings.js';

export interface OrchestrationStateMachineOptions {
  /** The state machine's name; a token leaves the name to CloudFormation. */
  readonly name: string;
  readonly type: SagaType;
  /** The ASL definition; may hold tokens until synthesis. */
  readonly definition: object;
  readonly logLevel: SagaLogLevel;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default true */
  readonly tracing?: boolean;
  /** @default false */
  readonly includeExecutionData?: boolean;
  /**
   * What the Tasks invoke: an exact function ARN, or a version ARN of a function whose every
   * version the role may invoke (see `participantInvocation`).
   */
  readonly invocations: ReadonlyArray<{
    readonly functionArn: string;
    readonly versionedFunction?: lambda.IFunction;
  }>;
  /** Queues the Tasks send to. */
  readonly queues: readonly sqs.IQueue[];
}

export interface OrchestrationStateMachine {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;
}

/**
 * The state machine of a saga or TCC transaction (construct id `Resource`) with its own log group,
 * X-Ray tracing, and a role that may invoke exactly the given functions and send to exactly the
 * given queues.
 */
export function createOrchestrationStateMachine(
  scope: Construct,
  options: OrchestrationStateMachineOptions,
): OrchestrationStateMachine {
  const logGroup = new logs.LogGroup(scope, 'Logs', {
    retention: options.logRetention ?? logs.RetentionDays.ONE_MONTH,
  });
  const stateMachine = new sfn.StateMachine(scope, 'Resource', {
    stateMachineName: Token.isUnresolved(options.name) ? undefined : options.name,
    stateMachineType:
      options.type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
    definitionBody: sfn.DefinitionBody.fromString(Stack.of(scope).toJsonString(options.definition)),
    tracingEnabled: options.tracing ?? true,
    logs: {
      destination: logGroup,
      level: options.logLevel === 'ALL' ? sfn.LogLevel.ALL : sfn.LogLevel.ERROR,
      includeExecutionData: options.includeExecutionData ?? false,
    },
  });

  // Functions invoked unversioned: their exact ARNs (CDK's grantInvoke would also allow `<arn>:*`).
  // Functions invoked by version: every version of that function and nothing else, since executions
  // started before a deploy keep invoking the version they started with (participant-ref.ts).
  const versioned = [...new Set(options.invocations.flatMap((i) => i.versionedFunction ?? []))];
  const exact = options.invocations.filter((i) => !i.versionedFunction).map((i) => i.functionArn);
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [...new Set([...exact, ...versioned.map((fn) => `${fn.functionArn}:*`)])],
    }),
  );
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['sqs:SendMessage'],
      resources: options.queues.map((queue) => queue.queueArn),
    }),
  );
  for (const queue of options.queues) {
    queue.encryptionMasterKey?.grant(stateMachine, 'kms:GenerateDataKey', 'kms:Decrypt');
  }
  const policy = stateMachine.role.node.tryFindChild('DefaultPolicy');
  for (const fn of versioned) acknowledgeVersionsGrant(stateMachine.role, fn);
  if (policy) {
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only CloudWatch Logs delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments and related) are granted on "*": those actions support no resource-level permissions. Lambda and SQS grants name exact ARNs.',
    });
  }
  return { stateMachine, logGroup };
}
