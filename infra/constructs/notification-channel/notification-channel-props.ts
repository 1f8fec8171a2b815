import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { NotificationTarget } from './notification-target.js';

/** Props of the {@link NotificationChannel} construct. */
export interface NotificationChannelProps {
  /** Where notifications go: `NotificationTarget.webhook(url)` or `NotificationTarget.lambda(fn)`. */
  readonly target: NotificationTarget;
  /** Delivery attempts before a message moves to the dead-letter queue. @default 5 */
  readonly maxReceiveCount?: number;
  /** The notifier function's timeout. @default Duration.seconds(30) */
  readonly notifierTimeout?: Duration;
  /**
   * The queue's visibility timeout; at least 6 × `notifierTimeout` (checked at synth), so that a
   * message still being delivered does not reappear.
   * @default 6 × notifierTimeout
   */
  readonly visibilityTimeout?: Duration;
  /** Timeout of one delivery request; must be shorter than `notifierTimeout`. @default Duration.seconds(10) */
  readonly deliveryTimeout?: Duration;
  /** Delay after the first failed attempt; it doubles per attempt (with jitter). @default Duration.seconds(10) */
  readonly backoffBase?: Duration;
  /** Longest delay between attempts (at most 12 hours, SQS's visibility limit). @default Duration.minutes(15) */
  readonly backoffMax?: Duration;
  /** Messages per notifier invocation (1–10). @default 10 */
  readonly batchSize?: number;
  /** How long status records are kept. @default Duration.days(30) */
  readonly statusRetention?: Duration;
  /** @default RemovalPolicy.RETAIN */
  readonly statusTableRemovalPolicy?: RemovalPolicy;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
}
