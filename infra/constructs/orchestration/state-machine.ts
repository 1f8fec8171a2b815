import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import type { SagaLogLevel, SagaType } from '../saga/saga-props.js';

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
  /** Lambda functions the Tasks invoke. */
  readonly functionArns: readonly string[];
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

  // Exact ARNs only: CDK's grantInvoke would also allow every version and alias (`<arn>:*`).
  stateMachine.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ['lambda:InvokeFunction'],
      resources: [...new Set(options.functionArns)],
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
  if (policy) {
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only CloudWatch Logs delivery (logs:CreateLogDelivery and related) and X-Ray (xray:PutTraceSegments and related) are granted on "*": those actions support no resource-level permissions. Lambda and SQS grants name exact ARNs.',
    });
  }
  return { stateMachine, logGroup };
}
