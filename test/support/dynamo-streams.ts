import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

/**
 * Calls the DynamoDB Streams JSON API of DynamoDB Local at `endpoint`. The SDK has no DynamoDB
 * Streams client in this project; the protocol is small enough to speak directly.
 */
export async function streamsApi<T>(endpoint: string, target: string, body: unknown): Promise<T> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDBStreams_20120810.${target}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${target} failed with HTTP ${response.status}: ${text}`);
  return JSON.parse(text) as T;
}

export async function streamArnOf(client: DynamoDBClient, tableName: string): Promise<string> {
  const table = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const streamArn = table.Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${tableName} has no stream`);
  return streamArn;
}

export function shardIdsOf(endpoint: string, streamArn: string): Promise<string[]> {
  return streamsApi<{ StreamDescription: { Shards: { ShardId: string }[] } }>(endpoint, 'DescribeStream', {
    StreamArn: streamArn,
  }).then((stream) => stream.StreamDescription.Shards.map((shard) => shard.ShardId));
}

export async function trimHorizonIterator(
  endpoint: string,
  streamArn: string,
  shardId: string,
): Promise<string> {
  const { ShardIterator } = await streamsApi<{ ShardIterator: string }>(endpoint, 'GetShardIterator', {
    StreamArn: streamArn,
    ShardId: shardId,
    ShardIteratorType: 'TRIM_HORIZON',
  });
  return ShardIterator;
}

export function getRecords(
  endpoint: string,
  iterator: string,
): Promise<{ Records: DynamoDBRecord[]; NextShardIterator?: string }> {
  return streamsApi(endpoint, 'GetRecords', { ShardIterator: iterator });
}

/** Every record of the table's stream so far, as Lambda's event source would hand them over. */
export async function readStreamRecords(
  client: DynamoDBClient,
  endpoint: string,
  tableName: string,
): Promise<DynamoDBRecord[]> {
  const streamArn = await streamArnOf(client, tableName);
  const records: DynamoDBRecord[] = [];
  for (const shardId of await shardIdsOf(endpoint, streamArn)) {
    let iterator: string | undefined = await trimHorizonIterator(endpoint, streamArn, shardId);
    while (iterator) {
      const page = await getRecords(endpoint, iterator);
      if (page.Records.length === 0) break;
      records.push(...page.Records.map((record) => ({ ...record, eventSourceARN: streamArn })));
      iterator = page.NextShardIterator;
    }
  }
  return records;
}
