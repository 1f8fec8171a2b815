import { DynamoDBClient, GetItemCommand, paginateScan } from '@aws-sdk/client-dynamodb';
import { marshall, type NativeAttributeValue, unmarshall } from '@aws-sdk/util-dynamodb';
import type { LocalCloud } from '../types.js';

type Item = Record<string, NativeAttributeValue>;

function clientFor(cloud: LocalCloud): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: cloud.dynamoDbEndpoint,
    region: cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Every item of a table (by name, construct path such as `Inventory/Table`, logical id or ARN),
 * as plain objects; barrier and outbox items included. Meant for small test tables.
 */
export async function readTable(cloud: LocalCloud, table: string): Promise<Item[]> {
  const { name } = cloud.resources.find(table, 'table');
  const client = clientFor(cloud);
  try {
    const items: Item[] = [];
    for await (const page of paginateScan({ client }, { TableName: name, ConsistentRead: true })) {
      items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    }
    return items;
  } finally {
    client.destroy();
  }
}

/** One item by key (strongly consistent), or undefined. */
export async function getTableItem(cloud: LocalCloud, table: string, key: Item): Promise<Item | undefined> {
  const { name } = cloud.resources.find(table, 'table');
  const client = clientFor(cloud);
  try {
    const out = await client.send(
      new GetItemCommand({ TableName: name, Key: marshall(key), ConsistentRead: true }),
    );
    return out.Item ? unmarshall(out.Item) : undefined;
  } finally {
    client.destroy();
  }
}
