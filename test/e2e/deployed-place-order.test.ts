import { randomUUID } from 'node:crypto';
import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The PlaceOrder saga against a deployed stack: real AWS (`npm run deploy`) or LocalStack
 * (`cdklocal deploy`). Opt in with STEPSAGA_E2E_TARGET=aws|localstack; the SDK then takes
 * credentials, region and AWS_ENDPOINT_URL (LocalStack: http://localhost:4566) from the environment.
 * Without it the suite is skipped, and says so: these tests need a deployment, not the local cloud.
 */
const target = process.env.STEPSAGA_E2E_TARGET;
const stackName = process.env.STEPSAGA_E2E_STACK ?? 'StepsagaExample';

if (!target) {
  console.info(
    'deployed-place-order: skipped. Set STEPSAGA_E2E_TARGET=aws or =localstack (and deploy the example app) to run it.',
  );
} else if (target !== 'aws' && target !== 'localstack') {
  throw new Error(`STEPSAGA_E2E_TARGET must be "aws" or "localstack", not "${target}"`);
}

interface DeployedResources {
  readonly stateMachineArn: string;
  readonly inventoryTable: string;
  readonly paymentTable: string;
  readonly shippingTable: string;
}

async function resolveStack(): Promise<DeployedResources> {
  const cfn = new CloudFormationClient({});
  const resources: { type: string; logicalId: string; physicalId: string }[] = [];
  for await (const page of paginateListStackResources({ client: cfn }, { StackName: stackName })) {
    for (const r of page.StackResourceSummaries ?? []) {
      resources.push({
        type: r.ResourceType ?? '',
        logicalId: r.LogicalResourceId ?? '',
        physicalId: r.PhysicalResourceId ?? '',
      });
    }
  }
  const find = (type: string, prefix: string): string => {
    const found = resources.find((r) => r.type === type && r.logicalId.startsWith(prefix));
    if (!found) throw new Error(`stack ${stackName} has no ${type} whose logical id starts with "${prefix}"`);
    return found.physicalId;
  };
  return {
    stateMachineArn: find('AWS::StepFunctions::StateMachine', 'PlaceOrder'),
    inventoryTable: find('AWS::DynamoDB::GlobalTable', 'InventoryTable'),
    paymentTable: find('AWS::DynamoDB::GlobalTable', 'PaymentTable'),
    shippingTable: find('AWS::DynamoDB::GlobalTable', 'ShippingTable'),
  };
}

describe.runIf(target)(`PlaceOrder on a deployed stack (${target ?? 'not selected'})`, () => {
  const dynamo = new DynamoDBClient({});
  const sfn = new SFNClient({});
  let stack: DeployedResources;
  // Fresh keys per run: a deployed stack keeps its data between runs.
  const run = randomUUID().slice(0, 8);
  const sku = `e2e-${run}`;
  const customer = `e2e-${run}`;

  const number = async (table: string, pk: string, sk: string, attribute: string) => {
    const { Item } = await dynamo.send(
      new GetItemCommand({ TableName: table, Key: { pk: { S: pk }, sk: { S: sk } }, ConsistentRead: true }),
    );
    return Item?.[attribute]?.N === undefined ? undefined : Number(Item[attribute].N);
  };

  const placeOrder = async (orderId: string, amount: number) => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: stack.stateMachineArn,
        name: orderId,
        input: JSON.stringify({ orderId, customerId: customer, sku, quantity: 1, amount }),
      }),
    );
    const deadline = Date.now() + 120_000;
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING') return described;
      if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };

  beforeAll(async () => {
    stack = await resolveStack();
    await dynamo.send(
      new PutItemCommand({
        TableName: stack.inventoryTable,
        Item: { pk: { S: `SKU#${sku}` }, sk: { S: 'STOCK' }, available: { N: '5' } },
      }),
    );
    await dynamo.send(
      new PutItemCommand({
        TableName: stack.paymentTable,
        Item: { pk: { S: `ACCOUNT#${customer}` }, sk: { S: 'BALANCE' }, balance: { N: '1000' } },
      }),
    );
  });

  it('completes an order: stock and balance go down, the order ships', async () => {
    const orderId = `e2e-ok-${run}`;
    const done = await placeOrder(orderId, 400);
    expect(done.status).toBe('SUCCEEDED');
    expect(await number(stack.inventoryTable, `SKU#${sku}`, 'STOCK', 'available')).toBe(4);
    expect(await number(stack.paymentTable, `ACCOUNT#${customer}`, 'BALANCE', 'balance')).toBe(600);
    const { Item } = await dynamo.send(
      new GetItemCommand({
        TableName: stack.shippingTable,
        Key: { pk: { S: `ORDER#${orderId}` }, sk: { S: 'SHIPMENT' } },
        ConsistentRead: true,
      }),
    );
    expect(Item).toBeDefined();
  });

  it('compensates an order the customer cannot pay: the reservation is released', async () => {
    const done = await placeOrder(`e2e-poor-${run}`, 999_999);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCompensated');
    expect(await number(stack.inventoryTable, `SKU#${sku}`, 'STOCK', 'available')).toBe(4);
    expect(await number(stack.paymentTable, `ACCOUNT#${customer}`, 'BALANCE', 'balance')).toBe(600);
  });
});
