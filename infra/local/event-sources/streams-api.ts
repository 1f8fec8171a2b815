/**
 * A minimal DynamoDB Streams client (JSON 1.0 over HTTP) for DynamoDB Local: the SDK's streams
 * client is not a dependency, and the poller needs only three calls.
 */
export interface StreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion?: string;
  readonly eventSource?: string;
  readonly awsRegion?: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime?: number;
    readonly SequenceNumber: string;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

export class StreamsApi {
  constructor(
    private readonly endpoint: string,
    private readonly region: string,
  ) {}

  async call<T>(operation: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': `DynamoDBStreams_20120810.${operation}`,
        authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${this.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=local`,
      },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`DynamoDB Streams ${operation} failed (${response.status}): ${text}`);
    return JSON.parse(text) as T;
  }

  async shardIds(streamArn: string, signal?: AbortSignal): Promise<string[]> {
    const out = await this.call<{ StreamDescription: { Shards?: Array<{ ShardId: string }> } }>(
      'DescribeStream',
      { StreamArn: streamArn },
      signal,
    );
    return (out.StreamDescription.Shards ?? []).map((s) => s.ShardId);
  }

  /** An iterator at the start of the shard, or just after `afterSequenceNumber` when given. */
  async iterator(
    streamArn: string,
    shardId: string,
    signal?: AbortSignal,
    afterSequenceNumber?: string,
  ): Promise<string | undefined> {
    const position = afterSequenceNumber
      ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: afterSequenceNumber }
      : { ShardIteratorType: 'TRIM_HORIZON' };
    const out = await this.call<{ ShardIterator?: string }>(
      'GetShardIterator',
      { StreamArn: streamArn, ShardId: shardId, ...position },
      signal,
    );
    return out.ShardIterator;
  }

  records(
    iterator: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ Records?: StreamRecord[]; NextShardIterator?: string }> {
    return this.call('GetRecords', { ShardIterator: iterator, Limit: limit }, signal);
  }
}
