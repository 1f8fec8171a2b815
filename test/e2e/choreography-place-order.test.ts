import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { getChoreographyState } from '../../functions/choreography/index.js';
import type { ParticipantRequest } from '../../functions/runtime/contract.js';
import { useLocalCloud } from '../../infra/local/testing/index.js';
import { PlaceOrderChoreographyStack } from '../../workflows/place-order-choreography.js';
import { engineClients, eventually, getItem } from '../support/local-cloud.js';

const local = useLocalCloud(() => {
  const app = new App();
  new PlaceOrderChoreographyStack(app, 'StepsagaChoreography');
  return app;
});

const table = (path: string) => local.cloud.resources.find(path, 'table').name;
const dynamodb = () => engineClients(local.cloud).dynamodb;

async function placeOrder(order: Record<string, unknown> & { orderId: string; sku: string }, stock: number) {
  await dynamodb().send(
    new PutItemCommand({
      TableName: table('Inventory/Table'),
      Item: { pk: { S: `SKU#${order.sku}` }, sk: { S: 'STOCK' }, available: { N: String(stock) } },
    }),
  );
  const request: ParticipantRequest = {
    sagaId: order.orderId,
    sagaName: 'PlaceOrderChoreography',
    step: 'PlaceOrder',
    phase: 'action',
    action: 'place',
    input: order,
    results: {},
  };
  const out = (await local.cloud.lambda.call('Invoke', {
    FunctionName: local.cloud.resources.find('Order/Function', 'function').name,
    Payload: JSON.stringify(request),
  })) as { FunctionError?: string; Payload?: string };
  expect(out.FunctionError, out.Payload).toBeUndefined();
}

const finalState = (sagaId: string) =>
  eventually(
    async () => {
      const state = await getChoreographyState(sagaId, {
        dynamo: dynamodb(),
        tableName: table('PlaceOrderChoreography/Tracker/Table'),
      });
      return state && state.status !== 'running' ? state : undefined;
    },
    30_000,
    `the tracker to record the end of ${sagaId}`,
  );

describe('PlaceOrder choreography on the local cloud', () => {
  it('ships a paid order through streams, routers, queues and consumers, and the tracker records success', async () => {
    await placeOrder(
      { orderId: 'c-order-1', customerId: 'c-1', sku: 'BOOK', quantity: 2, amount: 4_200 },
      10,
    );
    const state = await finalState('c-order-1');
    expect(state.status).toBe('succeeded');
    expect(state.steps.map((s) => [s.step, s.status])).toEqual([
      ['PlaceOrder', 'done'],
      ['ReserveInventory', 'done'],
      ['ChargePayment', 'done'],
      ['ShipOrder', 'done'],
    ]);
    const stock = await getItem(dynamodb(), table('Inventory/Table'), 'SKU#BOOK', 'STOCK');
    expect(stock?.available?.N).toBe('8');
    const order = await eventually(async () => {
      const item = await getItem(dynamodb(), table('Order/Table'), 'ORDER#c-order-1', 'ORDER');
      return item?.status?.S === 'COMPLETED' ? item : undefined;
    });
    expect(order.status?.S).toBe('COMPLETED');
  });

  it('releases the stock and cancels the order when the card is declined', async () => {
    await placeOrder(
      { orderId: 'c-order-2', customerId: 'c-2', sku: 'LAMP', quantity: 1, amount: 500_000 },
      5,
    );
    const state = await finalState('c-order-2');
    expect(state.status).toBe('compensated');
    expect(Object.fromEntries(state.steps.map((s) => [s.step, s.status]))).toEqual({
      PlaceOrder: 'compensated',
      ReserveInventory: 'compensated',
      ChargePayment: 'failed',
    });
    const stock = await getItem(dynamodb(), table('Inventory/Table'), 'SKU#LAMP', 'STOCK');
    expect(stock?.available?.N).toBe('5');
    const order = await getItem(dynamodb(), table('Order/Table'), 'ORDER#c-order-2', 'ORDER');
    expect(order?.status?.S).toBe('CANCELLED');
  });
});
