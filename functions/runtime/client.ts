import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * One client per execution environment, reused across invocations. The endpoint is never set in
 * code: the SDK reads AWS_ENDPOINT_URL itself, which is how the local cloud and tests redirect it.
 */
export const sharedDynamoDbClient = new DynamoDBClient({});
