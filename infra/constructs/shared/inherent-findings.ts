import { Stack, Validations } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';

/*
 * cdk-nag findings that follow from how stepsaga builds its resources, acknowledged by the construct
 * that makes them, on the one resource each concerns, so that every app need not repeat them.
 * Findings that depend on the user's choices stay theirs to answer.
 */

const NODE22_PIN =
  'Pinned to Node.js 22, the version the embedded local cloud and the test suite run the same bundle on; move to a newer runtime together with the local toolchain.';

/** The runtime stepsaga pins (not one the user chose). */
export function acknowledgeRuntimePin(fn: lambda.IFunction): void {
  Validations.of(fn).acknowledge(
    { id: 'AwsSolutions-L1', reason: NODE22_PIN },
    { id: 'Serverless-LambdaLatestVersion', reason: NODE22_PIN },
  );
}

/**
 * X-Ray tracing is granted on "*", the only resource its actions support. Acknowledged on the
 * role's default policy, which stepsaga writes; grants the user adds land there too, so only
 * stepsaga-made roles get this.
 */
export function acknowledgeTracingWildcard(role: iam.IRole): void {
  const policy: IConstruct | undefined = role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'Only X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) is granted on "*": those actions support no resource-level permissions. Every other grant of this stepsaga function names exact ARNs.',
  });
}

/** A function invoked only by an event source mapping or the state machine, never asynchronously. */
export function acknowledgeNoAsyncInvoke(fn: lambda.IFunction, howInvoked: string): void {
  Validations.of(fn).acknowledge({
    id: 'Serverless-LambdaDLQ',
    reason: `${howInvoked}; an asynchronous-invocation dead-letter queue would never receive a message.`,
  });
}

/** SQS mappings of `fn`: Lambda supports on-failure destinations for streams and Kafka only. */
export function acknowledgeSqsMappings(fn: lambda.IFunction): void {
  for (const mapping of fn.node.children.filter((c) => c instanceof lambda.EventSourceMapping)) {
    Validations.of(mapping).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        "An SQS event source mapping has no on-failure destination (Lambda supports those for streams and Kafka only); a message that keeps failing moves to the queue's own dead-letter queue by its redrive policy.",
    });
  }
}

/**
 * A queue that is itself where failures end up, watched by an alarm: a dead-letter queue of its own
 * would only move the question. `AwsSolutions-SQS3` fires only on a queue that is nobody's
 * dead-letter queue.
 */
export function acknowledgeTerminalQueue(
  queue: sqs.IQueue,
  reason: string,
  { isDeadLetterQueue }: { isDeadLetterQueue: boolean },
): void {
  Validations.of(queue).acknowledge(
    { id: 'Serverless-SQSRedrivePolicy', reason },
    ...(isDeadLetterQueue ? [] : [{ id: 'AwsSolutions-SQS3', reason }]),
  );
}

/**
 * A state machine that invokes a participant by version may invoke every version of that function
 * (`<arn>:*`): executions started before a deploy still call the version they started with, under
 * the role's policy as the deploy left it. Acknowledged for a function of the same stack, as in
 * {@link acknowledgeInvokeGrant}.
 */
export function acknowledgeVersionsGrant(role: iam.IRole, target: lambda.IFunction): void {
  const policy: IConstruct | undefined = role.node.tryFindChild('DefaultPolicy');
  const cfn = target.node.defaultChild;
  if (!policy || !(cfn instanceof lambda.CfnFunction) || Stack.of(cfn) !== Stack.of(policy)) return;
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(cfn).getLogicalId(cfn)}.Arn>:*]`,
    reason:
      'lambda:InvokeFunction on the versions of this participant function only (ARN:*, not the unqualified $LATEST): each execution invokes the version it started with, and one started before a deploy must still be allowed to call its older version after the deploy has rewritten this policy.',
  });
}

/**
 * `grantInvoke` on a function grants its versions and aliases too (`<arn>:*`). Acknowledged by the
 * finding cdk-nag gives a function of the same stack; one in another stack or imported shows up
 * under another name and stays for the user to review.
 */
export function acknowledgeInvokeGrant(role: iam.IRole, target: lambda.IFunction): void {
  const policy: IConstruct | undefined = role.node.tryFindChild('DefaultPolicy');
  const cfn = target.node.defaultChild;
  if (!policy || !(cfn instanceof lambda.CfnFunction) || Stack.of(cfn) !== Stack.of(policy)) return;
  Validations.of(policy).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${Stack.of(cfn).getLogicalId(cfn)}.Arn>:*]`,
    reason:
      'lambda:InvokeFunction on the target function and its versions and aliases (ARN:*), as Function.grantInvoke grants it; no other function may be invoked.',
  });
}
