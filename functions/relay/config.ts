import { RelayConfigError } from './errors.js';

/** Environment variables of the relay function (set by the `OutboxRelay` construct). */
export const RelayEnv = {
  /** URL of the queue that receives the outbox events; a name ending in `.fifo` selects FIFO mode. */
  queueUrl: 'STEPSAGA_OUTBOX_QUEUE_URL',
} as const;

export interface RelayConfig {
  readonly queueUrl: string;
  readonly fifo: boolean;
}

export function relayConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RelayConfig {
  const queueUrl = env[RelayEnv.queueUrl];
  if (!queueUrl) {
    throw new RelayConfigError(
      `${RelayEnv.queueUrl} is not set. The OutboxRelay construct sets it to the target queue's URL; ` +
        'set it yourself when running the relay handler outside the construct.',
    );
  }
  return { queueUrl, fifo: isFifoQueueUrl(queueUrl) };
}

export function isFifoQueueUrl(queueUrl: string): boolean {
  return queueUrl.endsWith('.fifo');
}
