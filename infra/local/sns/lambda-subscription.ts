import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { LocalLogLine } from '../types.js';

/** SNS's JSON envelope, as the SQS emulator writes it for a subscription without raw delivery. */
interface SnsEnvelope {
  readonly Type?: string;
  readonly MessageId?: string;
  readonly TopicArn?: string;
  readonly Subject?: string | null;
  readonly Message?: string;
  readonly Timestamp?: string;
  readonly MessageAttributes?: Record<string, { Type: string; Value: string }>;
}

export interface LambdaSubscriptionConfig {
  readonly subscriptionArn: string;
  readonly topicArn: string;
  readonly functionName: string;
  /** The hidden queue the emulator fans the topic out to (it applies the filter policy). */
  readonly queueUrl: string;
}

/** How many times a message is offered to the function before it is dropped, as Lambda's async retries do (1 + 2). */
export const SNS_LAMBDA_ATTEMPTS = 3;

/** The event Lambda receives from an SNS subscription: one record per message. */
export function snsLambdaEvent(envelope: SnsEnvelope, subscriptionArn: string): unknown {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        Sns: {
          Type: envelope.Type ?? 'Notification',
          MessageId: envelope.MessageId,
          TopicArn: envelope.TopicArn,
          Subject: envelope.Subject ?? null,
          Message: envelope.Message,
          Timestamp: envelope.Timestamp,
          SignatureVersion: '1',
          Signature: 'local',
          SigningCertUrl: 'http://localhost/local.pem',
          UnsubscribeUrl: `http://localhost/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
          MessageAttributes: envelope.MessageAttributes ?? {},
        },
      },
    ],
  };
}

/**
 * Delivers a topic's messages to a function. SNS invokes Lambda asynchronously: the message is
 * offered up to {@link SNS_LAMBDA_ATTEMPTS} times, then dropped with a warning. The topic fans out
 * to a hidden queue, so the emulator's own filter policy logic decides what reaches the function.
 */
export class LambdaSubscription {
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: LambdaSubscriptionConfig,
    private readonly deps: {
      readonly sqs: SQSClient;
      readonly lambda: LambdaService;
      readonly pollIntervalMs: number;
      readonly onLog: (line: LocalLogLine) => void;
    },
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private log(level: LocalLogLine['level'], message: string): void {
    this.deps.onLog({
      timestamp: Date.now(),
      source: 'event-source',
      resource: this.config.subscriptionArn,
      level,
      message,
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delivered = 0;
      try {
        const { Messages = [] } = await this.deps.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.config.queueUrl,
            MaxNumberOfMessages: 10,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        delivered = Messages.length;
        await Promise.all(
          Messages.map(async (message) => {
            const envelope = JSON.parse(message.Body ?? '{}') as SnsEnvelope;
            const fn = this.deps.lambda.get(this.config.functionName);
            const result = await this.deps.lambda.invoke(
              fn,
              snsLambdaEvent(envelope, this.config.subscriptionArn),
            );
            const attempts = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
            if (result.functionError && attempts < SNS_LAMBDA_ATTEMPTS) {
              this.log(
                'warn',
                `function ${fn.config.name} failed on message ${envelope.MessageId} (attempt ${attempts}), retrying`,
              );
              return;
            }
            if (result.functionError)
              this.log(
                'warn',
                `function ${fn.config.name} failed on message ${envelope.MessageId} ${attempts} times, dropped`,
              );
            await this.deps.sqs.send(
              new DeleteMessageCommand({
                QueueUrl: this.config.queueUrl,
                ReceiptHandle: message.ReceiptHandle,
              }),
            );
          }),
        );
      } catch (error) {
        if (!this.stopped) this.log('warn', `delivery failed: ${(error as Error).message}`);
      }
      if (delivered === 0 && !this.stopped) await new Promise((r) => setTimeout(r, this.deps.pollIntervalMs));
    }
  }
}
