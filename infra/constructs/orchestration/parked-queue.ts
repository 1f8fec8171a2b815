import { Validations } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { alarmOnAnyMessage } from '../shared/first-occurrence-alarms.js';
import { secureQueue } from '../shared/secure-queue.js';

export interface ParkedQueueOptions {
  /** A queue the user passed; when absent, an encrypted queue that keeps messages 14 days is created. */
  readonly queue?: sqs.IQueue;
  /** Why the created queue needs no dead-letter queue of its own (cdk-nag acknowledgement). */
  readonly noDeadLetterQueueReason: string;
  readonly alarmDescription: string;
}

export interface ParkedQueue {
  readonly queue: sqs.IQueue;
  /** In alarm while any parked execution waits in the queue. */
  readonly alarm: cloudwatch.Alarm;
}

/** The queue through which an execution is handed to an operator, and the alarm that calls one. */
export function createParkedQueue(scope: Construct, options: ParkedQueueOptions): ParkedQueue {
  let queue = options.queue;
  if (!queue) {
    const created = secureQueue(scope, 'ParkedQueue');
    const reason = options.noDeadLetterQueueReason;
    Validations.of(created).acknowledge(
      { id: 'AwsSolutions-SQS3', reason },
      { id: 'Serverless-SQSRedrivePolicy', reason },
    );
    queue = created;
  }
  const alarm = alarmOnAnyMessage(scope, 'ParkedAlarm', queue, options.alarmDescription);
  return { queue, alarm };
}
