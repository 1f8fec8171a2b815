import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDbAction } from './definition.js';
import { TaskFailure } from './task-failure.js';

/**
 * DynamoDB errors the service models (the Java SDK Step Functions calls DynamoDB with has a class
 * for each): Step Functions names the task failure `DynamoDB.<class>`. Any other error code
 * (ValidationException, SerializationException, ...) surfaces as `DynamoDB.AmazonDynamoDBException`.
 */
const MODELED_ERRORS: Readonly<Record<string, string>> = {
  ConditionalCheckFailedException: 'ConditionalCheckFailedException',
  ProvisionedThroughputExceededException: 'ProvisionedThroughputExceededException',
  ResourceNotFoundException: 'ResourceNotFoundException',
  ItemCollectionSizeLimitExceededException: 'ItemCollectionSizeLimitExceededException',
  TransactionConflictException: 'TransactionConflictException',
  RequestLimitExceeded: 'RequestLimitExceededException',
  InternalServerError: 'InternalServerErrorException',
};

const OPERATIONS: Readonly<Record<DynamoDbAction, string>> = {
  getItem: 'GetItem',
  putItem: 'PutItem',
  updateItem: 'UpdateItem',
  deleteItem: 'DeleteItem',
};

/** The error name and cause Step Functions records for a DynamoDB error answer. */
export function dynamoDbTaskFailure(
  status: number,
  code: string,
  message: string,
  requestId: string,
): TaskFailure {
  const name = `DynamoDB.${MODELED_ERRORS[code] ?? 'AmazonDynamoDBException'}`;
  return new TaskFailure(
    name,
    `${message} (Service: AmazonDynamoDBv2; Status Code: ${status}; Error Code: ${code}; Request ID: ${requestId}; Proxy: null)`,
  );
}

const ATTRIBUTE_VALUE_MAPS = ['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey'] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Step Functions reads the Parameters into DynamoDB's typed request model before calling DynamoDB,
 * so a value where an AttributeValue structure belongs (`"L": ["x"]`, `"Item": {"a": "x"}`) reaches
 * DynamoDB as an empty AttributeValue, which DynamoDB refuses. DynamoDB Local is more lenient (it
 * would store `"x"` as `{"S": "x"}`), so the shape is checked here. Returns the first bad path.
 */
export function malformedAttributeValuePath(parameters: Record<string, unknown>): string | undefined {
  const check = (value: unknown, path: string): string | undefined => {
    if (!isObject(value)) return path;
    const list = value.L;
    if (Array.isArray(list)) {
      for (const [i, element] of list.entries()) {
        const bad = check(element, `${path}.L[${i}]`);
        if (bad) return bad;
      }
    }
    const map = value.M;
    if (isObject(map)) {
      for (const [name, element] of Object.entries(map)) {
        const bad = check(element, `${path}.M.${name}`);
        if (bad) return bad;
      }
    }
    return undefined;
  };
  for (const field of ATTRIBUTE_VALUE_MAPS) {
    const values = parameters[field];
    if (!isObject(values)) continue;
    for (const [name, value] of Object.entries(values)) {
      const bad = check(value, `${field}.${name}`);
      if (bad) return bad;
    }
  }
  return undefined;
}

/**
 * Sends the task's Parameters to DynamoDB as they are, the way Step Functions does: no client-side
 * model in between, so DynamoDB itself judges each AttributeValue (and its answer is returned as
 * DynamoDB wrote it). The SDK client only supplies the endpoint and the credential scope.
 */
export async function callDynamoDbRaw(
  client: DynamoDBClient,
  action: DynamoDbAction,
  parameters: Record<string, unknown>,
): Promise<{ readonly output: Record<string, unknown>; readonly requestId: string }> {
  if (malformedAttributeValuePath(parameters) !== undefined) {
    throw dynamoDbTaskFailure(
      400,
      'ValidationException',
      'Supplied AttributeValue is empty, must contain exactly one of the supported datatypes',
      randomUUID(),
    );
  }
  const endpoint = await client.config.endpoint?.();
  if (!endpoint) throw new Error('the local DynamoDB client has no endpoint');
  const url = `${endpoint.protocol}//${endpoint.hostname}${endpoint.port ? `:${endpoint.port}` : ''}${endpoint.path ?? '/'}`;
  const credentials = await client.config.credentials();
  const region = await client.config.region();
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${OPERATIONS[action]}`,
      // DynamoDB Local reads the credential scope (its database is per access key and region) and
      // does not verify the signature.
      authorization: `AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/${date}/${region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(parameters),
  });
  const text = await response.text();
  const requestId = response.headers.get('x-amzn-requestid') ?? '';
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { message: text };
  }
  if (!response.ok) {
    const type = String(body.__type ?? response.headers.get('x-amzn-errortype') ?? 'UnknownError');
    const code = type.slice(type.lastIndexOf('#') + 1).split(':')[0] ?? type;
    const message = String(body.message ?? body.Message ?? '');
    throw dynamoDbTaskFailure(response.status, code, message, requestId);
  }
  return { output: body, requestId };
}
