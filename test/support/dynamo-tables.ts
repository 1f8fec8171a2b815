import { randomUUID } from 'node:crypto';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';

type Item = Record<string, NativeAttributeValue>;

/** A client for DynamoDB Local: any region and static credentials satisfy it. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/**
 * Creates a fresh table shaped like a participant's (pk/sk strings, stream NEW_IMAGE, TTL on
 * expiresAt) with a unique name, so test files never see each other's items.
 */
export async function createParticipantTable(
  client: DynamoDBClient,
  prefix = 'participant',
): Promise<string> {
  const tableName = `${prefix}-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
    }),
  );
  return tableName;
}

export async function putItem(client: DynamoDBClient, table: string, item: Item): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: marshall(item) }));
}

export async function getItem(client: DynamoDBClient, table: string, key: Item): Promise<Item | undefined> {
  const output = await client.send(
    new GetItemCommand({ TableName: table, Key: marshall(key), ConsistentRead: true }),
  );
  return output.Item ? unmarshall(output.Item) : undefined;
}

/** Every item of the table (test tables are small). */
export async function scanAll(client: DynamoDBClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Items of one `itemType` (barrier, outbox) written for a saga. */
export async function itemsOfType(
  client: DynamoDBClient,
  table: string,
  itemType: string,
  sagaId?: string,
): Promise<Item[]> {
  return (await scanAll(client, table)).filter(
    (item) => item.itemType === itemType && (sagaId === undefined || item.sagaId === sagaId),
  );
}

/** A short unique id, so that sagas, SKUs and accounts of different tests never collide. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}
