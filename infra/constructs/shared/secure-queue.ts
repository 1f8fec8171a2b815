import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** SQS keeps messages at most 14 days; dead letters get all of it so that an operator has time to act. */
export const QUEUE_RETENTION = Duration.days(14);

/** An SQS queue encrypted at rest, reachable over TLS only, keeping messages {@link QUEUE_RETENTION}. */
export function secureQueue(scope: Construct, id: string, props: sqs.QueueProps = {}): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: QUEUE_RETENTION,
    ...props,
  });
}
