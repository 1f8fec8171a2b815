import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ulid } from 'ulid';
import { NOTIFICATION_ID_ATTRIBUTE } from './notification-id.js';
import { recordPending, type StatusStore } from './status-store.js';

/** Options of `publishNotification`. */
export interface PublishNotificationOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  /** The body the target receives: a string is sent as it is, anything else as JSON. */
  readonly payload: unknown;
  /** Reuse an id to make a republish idempotent at the target. @default a new ULID */
  readonly notificationId?: string;
  /** Records `pending` before sending, so that the status query knows the notification at once. */
  readonly status?: StatusStore;
  /** Required for a FIFO channel. */
  readonly messageGroupId?: string;
}

/** Sends a notification to a channel's queue; the notifier delivers it. */
export async function publishNotification(
  options: PublishNotificationOptions,
): Promise<{ notificationId: string; messageId: string }> {
  const notificationId = options.notificationId ?? ulid();
  if (options.status) await recordPending(notificationId, options.status);
  const { MessageId } = await options.sqs.send(
    new SendMessageCommand({
      QueueUrl: options.queueUrl,
      MessageBody: typeof options.payload === 'string' ? options.payload : JSON.stringify(options.payload),
      MessageAttributes: { [NOTIFICATION_ID_ATTRIBUTE]: { DataType: 'String', StringValue: notificationId } },
      ...(options.messageGroupId
        ? { MessageGroupId: options.messageGroupId, MessageDeduplicationId: notificationId }
        : {}),
    }),
  );
  return { notificationId, messageId: MessageId ?? '' };
}
