import { Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { StepsagaValidationError } from '../shared/validation-error.js';

/** What the participant runtime needs from its table (docs/architecture.md, "Items in the participant's table"). */
export const PARTICIPANT_TABLE_SHAPE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  streamView: 'NEW_IMAGE',
} as const;

interface KeyElement {
  attributeName: string;
  keyType: string;
}
interface AttributeDefinition {
  attributeName: string;
  attributeType: string;
}
interface TableShape {
  keySchema?: KeyElement[];
  attributeDefinitions?: AttributeDefinition[];
  streamSpecification?: { streamViewType?: string };
  timeToLiveSpecification?: { attributeName?: string; enabled?: boolean };
}

function shapeOf(table: dynamodb.ITable): TableShape | undefined {
  const child = table.node.defaultChild;
  const stack = Stack.of(table);
  if (child instanceof dynamodb.CfnTable) {
    return {
      keySchema: stack.resolve(child.keySchema),
      attributeDefinitions: stack.resolve(child.attributeDefinitions),
      streamSpecification: stack.resolve(child.streamSpecification),
      timeToLiveSpecification: stack.resolve(child.timeToLiveSpecification),
    };
  }
  if (child instanceof dynamodb.CfnGlobalTable) {
    return {
      keySchema: stack.resolve(child.keySchema),
      attributeDefinitions: stack.resolve(child.attributeDefinitions),
      streamSpecification: stack.resolve(child.streamSpecification),
      timeToLiveSpecification: stack.resolve(child.timeToLiveSpecification),
    };
  }
  return undefined;
}

/**
 * Refuses a table defined in this app that lacks what the runtime needs. An imported table
 * (`Table.fromTableName`) has no visible definition and is taken on trust.
 */
export function checkParticipantTable(participant: string, table: dynamodb.ITable): void {
  const shape = shapeOf(table);
  if (!shape) return;
  const where = `Participant "${participant}": table ${table.node.path}`;
  const { partitionKey, sortKey, ttlAttribute, streamView } = PARTICIPANT_TABLE_SHAPE;
  const typeOf = (name: string) =>
    shape.attributeDefinitions?.find((a) => a.attributeName === name)?.attributeType;
  const hash = shape.keySchema?.find((k) => k.keyType === 'HASH')?.attributeName;
  const range = shape.keySchema?.find((k) => k.keyType === 'RANGE')?.attributeName;
  if (hash !== undefined && !Token.isUnresolved(hash) && (hash !== partitionKey || typeOf(hash) !== 'S')) {
    throw new StepsagaValidationError(
      `${where} has partition key ${JSON.stringify(hash)} of type ${typeOf(hash)}; the participant runtime needs a string partition key "${partitionKey}". Use a table with partitionKey { name: '${partitionKey}', type: AttributeType.STRING }, or omit \`table\`.`,
    );
  }
  if (shape.keySchema && (range !== sortKey || typeOf(sortKey) !== 'S')) {
    throw new StepsagaValidationError(
      `${where} has sort key ${JSON.stringify(range ?? null)}; the participant runtime needs a string sort key "${sortKey}". Use a table with sortKey { name: '${sortKey}', type: AttributeType.STRING }, or omit \`table\`.`,
    );
  }
  const view = shape.streamSpecification?.streamViewType;
  if (
    shape.keySchema &&
    view !== undefined &&
    !Token.isUnresolved(view) &&
    view !== streamView &&
    view !== 'NEW_AND_OLD_IMAGES'
  ) {
    throw new StepsagaValidationError(
      `${where} has stream view ${JSON.stringify(view)}; the outbox relay reads new images. Use dynamoStream: StreamViewType.NEW_IMAGE (or NEW_AND_OLD_IMAGES).`,
    );
  }
  if (shape.keySchema && view === undefined) {
    throw new StepsagaValidationError(
      `${where} has no stream; the outbox relay reads outbox items from it. Add dynamoStream: StreamViewType.NEW_IMAGE.`,
    );
  }
  const ttl = shape.timeToLiveSpecification?.attributeName;
  if (shape.keySchema && ttl !== ttlAttribute) {
    throw new StepsagaValidationError(
      `${where} has TTL attribute ${JSON.stringify(ttl ?? null)}; barrier and outbox items expire through "${ttlAttribute}". Set timeToLiveAttribute: '${ttlAttribute}'.`,
    );
  }
}
