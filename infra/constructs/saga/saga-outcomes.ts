import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { type SagaOutcomeType, SagaOutcomeTypes } from '../../../functions/runtime/saga-outcome-message.js';
import type { NotificationChannel } from '../notification-channel/notification-channel.js';

/**
 * Where a saga publishes its outcome (`SagaSucceeded`, `SagaCompensated`, `SagaParked`): a
 * `NotificationChannel`, whose notifier delivers it to a webhook or function with retries, or any
 * standard SQS queue. The state machine sends with Step Functions' SQS integration, no Lambda.
 */
export type SagaOutcomes = ({ readonly channel: NotificationChannel } | { readonly queue: sqs.IQueue }) & {
  /**
   * Which outcomes to publish. Each published outcome costs one state transition on its path, so a
   * saga that only needs to tell operators about failures can keep its happy path at N+1.
   * @default all three: SagaSucceeded, SagaCompensated, SagaParked
   */
  readonly publish?: readonly SagaOutcomeType[];
};

export const ALL_OUTCOMES: readonly SagaOutcomeType[] = Object.values(SagaOutcomeTypes);

export function outcomeQueue(outcomes: SagaOutcomes): sqs.IQueue {
  return 'channel' in outcomes ? outcomes.channel.queue : outcomes.queue;
}
