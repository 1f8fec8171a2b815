import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { NotificationChannel } from '../notification-channel/notification-channel.js';

/**
 * Where a saga publishes its outcome (`SagaSucceeded`, `SagaCompensated`, `SagaParked`): a
 * `NotificationChannel`, whose notifier delivers it to a webhook or function with retries, or any
 * standard SQS queue. The state machine sends with Step Functions' SQS integration, no Lambda.
 */
export type SagaOutcomes = { readonly channel: NotificationChannel } | { readonly queue: sqs.IQueue };

export function outcomeQueue(outcomes: SagaOutcomes): sqs.IQueue {
  return 'channel' in outcomes ? outcomes.channel.queue : outcomes.queue;
}
