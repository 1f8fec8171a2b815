import type { TableProperties } from '../dynamodb-tables.js';
import { physicalName } from '../naming.js';
import type { Provisioner } from './context.js';

/** `AWS::DynamoDB::Table` and `GlobalTable` → tables on DynamoDB Local, created in parallel. */
export const tableProvisioner: Provisioner = {
  types: ['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable'],
  async provision(entries, ctx) {
    await Promise.all(
      entries.map(async (entry) => {
        try {
          const resolver = ctx.resolver(entry);
          const props = entry.resource.Properties ?? {};
          const name =
            props.TableName !== undefined
              ? resolver.resolveString(props.TableName, `${entry.logicalId}.TableName`)
              : physicalName(entry.stack.stackName, entry.logicalId, 255);
          const tableProps = resolver.resolve(
            {
              KeySchema: props.KeySchema,
              AttributeDefinitions: props.AttributeDefinitions,
              GlobalSecondaryIndexes: props.GlobalSecondaryIndexes,
              LocalSecondaryIndexes: props.LocalSecondaryIndexes,
              StreamSpecification: props.StreamSpecification,
              TimeToLiveSpecification: props.TimeToLiveSpecification,
            },
            `${entry.logicalId}.Properties`,
          ) as TableProperties;
          const { streamArn } = await ctx.engines.createTable(name, tableProps);
          const arn = `arn:aws:dynamodb:${ctx.region}:${ctx.accountId}:table/${name}`;
          ctx.register(entry, { kind: 'table', name, arn, ...(streamArn ? { streamArn } : {}) }, name, {
            Arn: arn,
            ...(streamArn ? { StreamArn: streamArn } : {}),
          });
        } catch (error) {
          ctx.problem(`table ${ctx.where(entry)}: ${(error as Error).message}`);
        }
      }),
    );
  },
};
