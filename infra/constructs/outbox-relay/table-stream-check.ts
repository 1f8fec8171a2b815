import { Stack, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { StepsagaValidationError } from '../shared/validation-error.js';

const VIEWS_WITH_NEW_IMAGE = ['NEW_IMAGE', 'NEW_AND_OLD_IMAGES'];

/** The stream view of a table defined in this app; `null` for no stream, `undefined` when unknowable. */
function streamViewOf(table: dynamodb.ITable): string | null | undefined {
  const child = table.node.defaultChild;
  if (child instanceof dynamodb.CfnTable || child instanceof dynamodb.CfnGlobalTable) {
    const spec = Stack.of(table).resolve(child.streamSpecification) as
      | { streamViewType?: string }
      | undefined;
    return spec?.streamViewType ?? null;
  }
  // TableV2 always exposes a stream ARN token, but an imported table has one only if it was given.
  return table.tableStreamArn ? undefined : null;
}

/**
 * Refuses a table whose stream cannot feed the relay: none at all, or one without new images
 * (the relay reads the outbox item from `NewImage`).
 */
export function checkRelayTable(where: string, table: dynamodb.ITable): void {
  const view = streamViewOf(table);
  if (view === null) {
    throw new StepsagaValidationError(
      `${where}: table ${table.node.path} has no stream. ` +
        'Create it with `dynamoStream: StreamViewType.NEW_IMAGE` (TableV2) or `stream: StreamViewType.NEW_IMAGE` (Table), ' +
        'or import it with `tableStreamArn`.',
    );
  }
  if (view !== undefined && !Token.isUnresolved(view) && !VIEWS_WITH_NEW_IMAGE.includes(view)) {
    throw new StepsagaValidationError(
      `${where}: table ${table.node.path} has stream view ${JSON.stringify(view)}, which carries no new image; ` +
        'the relay reads outbox items from NewImage. Use StreamViewType.NEW_IMAGE or NEW_AND_OLD_IMAGES.',
    );
  }
}
