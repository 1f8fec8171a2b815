import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  type CreateTableCommandOutput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type LocalSecondaryIndex,
  type StreamViewType,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';

/** The DynamoDB table properties the local cloud reads from AWS::DynamoDB::Table and ::GlobalTable. */
export interface TableProperties {
  readonly KeySchema: KeySchemaElement[];
  readonly AttributeDefinitions: AttributeDefinition[];
  readonly GlobalSecondaryIndexes?: Array<GlobalSecondaryIndex & Record<string, unknown>>;
  readonly LocalSecondaryIndexes?: LocalSecondaryIndex[];
  readonly StreamSpecification?: { readonly StreamViewType?: StreamViewType };
  readonly TimeToLiveSpecification?: { readonly AttributeName?: string; readonly Enabled?: boolean };
}

/** Creates the table on DynamoDB Local and returns its stream ARN, if it has a stream. */
export async function createTable(
  client: DynamoDBClient,
  name: string,
  props: TableProperties,
): Promise<{ streamArn?: string }> {
  // Capacity settings are irrelevant locally; on-demand avoids validating them.
  const input: CreateTableCommandInput = {
    TableName: name,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    ...(props.GlobalSecondaryIndexes?.length
      ? {
          GlobalSecondaryIndexes: props.GlobalSecondaryIndexes.map((gsi) => ({
            IndexName: gsi.IndexName,
            KeySchema: gsi.KeySchema,
            Projection: gsi.Projection,
          })),
        }
      : {}),
    ...(props.LocalSecondaryIndexes?.length
      ? {
          LocalSecondaryIndexes: props.LocalSecondaryIndexes.map((lsi) => ({
            IndexName: lsi.IndexName,
            KeySchema: lsi.KeySchema,
            Projection: lsi.Projection,
          })),
        }
      : {}),
    ...(props.StreamSpecification?.StreamViewType
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: props.StreamSpecification.StreamViewType,
          },
        }
      : {}),
  };
  let created: CreateTableCommandOutput;
  try {
    created = await client.send(new CreateTableCommand(input));
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    // A persisted local cloud restarting: the table and its items (and stream) are already there.
    const existing = await client.send(new DescribeTableCommand({ TableName: name }));
    const streamArn = existing.Table?.LatestStreamArn;
    return streamArn ? { streamArn } : {};
  }
  const ttl = props.TimeToLiveSpecification;
  if (ttl?.Enabled && ttl.AttributeName) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
      }),
    );
  }
  const streamArn = created.TableDescription?.LatestStreamArn;
  return streamArn ? { streamArn } : {};
}
