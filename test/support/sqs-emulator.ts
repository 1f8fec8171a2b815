import { SQSClient } from '@aws-sdk/client-sqs';
import type { FauxqsServer } from 'fauxqs';
import { importSqsEmulator, startSqsEmulatorOnLoopback } from '../../infra/local/sqs-emulator-module.js';

/** Any credentials work against the local engines; fixed ones keep the SDK from searching for real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
export const LOCAL_REGION = 'us-east-1';

export interface SqsEmulator {
  readonly server: FauxqsServer;
  readonly endpoint: string;
  /** A client pointed at the emulator. */
  readonly sqs: SQSClient;
  /** Creates a queue (a `.fifo` name makes a FIFO queue) and returns its URL and ARN. */
  createQueue(name: string, attributes?: Record<string, string>): { queueUrl: string; queueArn: string };
  stop(): Promise<void>;
}

/** Starts fauxqs in this process on a free loopback port; call `stop()` in `afterAll`. */
export async function startSqsEmulator(): Promise<SqsEmulator> {
  const { startFauxqs } = await importSqsEmulator();
  const server = await startSqsEmulatorOnLoopback(startFauxqs, { port: 0, logger: false });
  const endpoint = server.address;
  const sqs = new SQSClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  return {
    server,
    endpoint,
    sqs,
    createQueue(name, attributes = {}) {
      const fifo: Record<string, string> = name.endsWith('.fifo') ? { FifoQueue: 'true' } : {};
      const { queueUrl, queueArn } = server.createQueue(name, { attributes: { ...fifo, ...attributes } });
      return { queueUrl, queueArn };
    },
    async stop() {
      sqs.destroy();
      await server.stop();
    },
  };
}
