import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../../infra/local/index.js';

/** SDK clients pointed at a local cloud's engines. */
export function engineClients(cloud: LocalCloud) {
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  return {
    dynamodb: new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.region, credentials }),
    sqs: new SQSClient({ endpoint: cloud.sqsEndpoint, region: cloud.region, credentials }),
  };
}

export async function getItem(client: DynamoDBClient, table: string, pk: string, sk: string) {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
  );
  return out.Item;
}

/** Reads an item of a table keyed by `pk` alone. */
export async function getItemByPk(client: DynamoDBClient, table: string, pk: string) {
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: pk } }, ConsistentRead: true }),
  );
  return out.Item;
}

/** Polls until `probe` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function receiveOne(
  client: SQSClient,
  queueUrl: string,
): Promise<{ body: unknown } | undefined> {
  const out = await client.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
  );
  const message = out.Messages?.[0];
  return message ? { body: JSON.parse(message.Body ?? 'null') } : undefined;
}

export interface HistoryEventShape {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

export async function historyOf(cloud: LocalCloud, executionArn: string): Promise<HistoryEventShape[]> {
  const out = (await cloud.stepFunctions.call('GetExecutionHistory', { executionArn })) as {
    events: HistoryEventShape[];
  };
  return out.events;
}
