import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  type DynamoDBClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { CampaignEnvironment } from './environment.js';
import type { Item, ParkedMessage } from './invariants.js';
import type { ParticipantName, WorkloadName } from './workloads.js';

export interface RawTables {
  readonly items: Readonly<Record<ParticipantName, readonly Item[]>>;
  /** Primary keys per table name, to delete what a run left once it is checked. */
  readonly keys: ReadonlyMap<string, Array<Record<string, AttributeValue>>>;
}

/** One table's items (strongly consistent scan) and their keys. */
export async function scanTable(
  dynamodb: DynamoDBClient,
  tableName: string,
): Promise<{ items: Item[]; keys: Array<Record<string, AttributeValue>> }> {
  const items: Item[] = [];
  const keys: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const raw of page.Items ?? []) {
      items.push(unmarshall(raw));
      if (raw.pk && raw.sk) keys.push({ pk: raw.pk, sk: raw.sk });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return { items, keys };
}

interface Found {
  readonly items: Item[];
  readonly keys: Array<Record<string, AttributeValue>>;
}

function collect(found: Found, raw: Record<string, AttributeValue>): void {
  found.items.push(unmarshall(raw));
  if (raw.pk && raw.sk) found.keys.push({ pk: raw.pk, sk: raw.sk });
}

/** The items that exist among the given keys (strongly consistent). */
export async function getItems(
  env: CampaignEnvironment,
  tableName: string,
  keys: ReadonlyArray<Readonly<Record<string, string>>>,
): Promise<Found> {
  const found: Found = { items: [], keys: [] };
  for (let i = 0; i < keys.length; i += 100) {
    let request: Record<string, { Keys: Array<Record<string, AttributeValue>>; ConsistentRead: boolean }> = {
      [tableName]: { Keys: keys.slice(i, i + 100).map((k) => marshall(k)), ConsistentRead: true },
    };
    for (let attempt = 0; Object.keys(request).length > 0; attempt++) {
      if (attempt > 10) throw new Error(`BatchGetItem on ${tableName} kept returning unprocessed keys`);
      const out = await env.dynamodb.send(new BatchGetItemCommand({ RequestItems: request }));
      for (const raw of out.Responses?.[tableName] ?? []) collect(found, raw);
      request = (out.UnprocessedKeys ?? {}) as typeof request;
    }
  }
  return found;
}

/** Every item of one partition (strongly consistent). */
export async function queryPartition(
  env: CampaignEnvironment,
  tableName: string,
  pk: string,
): Promise<Found> {
  const found: Found = { items: [], keys: [] };
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await env.dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: pk } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const raw of page.Items ?? []) collect(found, raw);
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** Every item of every participant table. */
export async function scanTables(env: CampaignEnvironment): Promise<RawTables> {
  const items = {} as Record<ParticipantName, Item[]>;
  const keys = new Map<string, Array<Record<string, AttributeValue>>>();
  await Promise.all(
    (Object.entries(env.participants) as Array<[ParticipantName, { tableName: string }]>).map(
      async ([participant, { tableName }]) => {
        const scanned = await scanTable(env.dynamodb, tableName);
        items[participant] = scanned.items;
        keys.set(tableName, scanned.keys);
      },
    ),
  );
  return { items, keys };
}

/** Messages visible, in flight or delayed in a queue. */
export async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(out.Attributes ?? {}).reduce((sum, n) => sum + Number(n ?? 0), 0);
}

/** Deletes the given items (what a checked run left behind), so that the next scan sees only its run. */
export async function deleteItems(
  dynamodb: DynamoDBClient,
  keys: ReadonlyMap<string, Array<Record<string, AttributeValue>>>,
): Promise<void> {
  const requests: Array<{ table: string; key: Record<string, AttributeValue> }> = [];
  for (const [table, tableKeys] of keys) for (const key of tableKeys) requests.push({ table, key });
  for (let i = 0; i < requests.length; i += 25) {
    let pending: Record<string, Array<{ DeleteRequest: { Key: Record<string, AttributeValue> } }>> = {};
    for (const { table, key } of requests.slice(i, i + 25)) {
      const list = pending[table] ?? [];
      list.push({ DeleteRequest: { Key: key } });
      pending[table] = list;
    }
    for (let attempt = 0; Object.keys(pending).length > 0; attempt++) {
      if (attempt > 10) throw new Error('BatchWriteItem kept returning unprocessed deletes');
      const out = await dynamodb.send(new BatchWriteItemCommand({ RequestItems: pending }));
      pending = (out.UnprocessedItems ?? {}) as typeof pending;
    }
  }
}

/** Takes (receives and deletes) every message waiting in the parked-sagas queues. */
export async function drainParked(
  sqs: SQSClient,
  queues: Readonly<Record<WorkloadName, string>>,
): Promise<ParkedMessage[]> {
  return (await drainQueues(sqs, Object.values(queues))).map((body) => {
    const message = body as { sagaId?: unknown; sagaName?: unknown };
    return { sagaId: String(message.sagaId), sagaName: String(message.sagaName) };
  });
}

/** Takes every message waiting in the queues; returns their bodies (parsed JSON, else the text). */
export async function drainQueues(sqs: SQSClient, urls: readonly string[]): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (const url of urls) {
    for (;;) {
      const out = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const message of messages) {
        try {
          bodies.push(JSON.parse(message.Body ?? 'null'));
        } catch {
          bodies.push(message.Body);
        }
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  }
  return bodies;
}
