import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { billedTransitions } from '../../infra/constructs/cost/billed-transitions.js';
import { estimateSagaCost } from '../../infra/constructs/cost/saga-cost-model.js';
import { sagaCostPlans } from '../../infra/local/cli/cost.js';
import { loadAssembly } from '../../infra/local/cloud-assembly.js';
import { SynthCache } from '../../infra/local/synth-cache.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, historyOf } from '../support/local-cloud.js';

/**
 * The cost report's PlaceOrder figures against real executions: the same synthesized app, its
 * participants on DynamoDB Local, the history from the local cloud's GetExecutionHistory, counted the
 * way Step Functions bills (states entered plus retries).
 */
const local = useLocalCloud(() => buildExampleApp().app, {
  retryIntervalDivisor: 50,
  synthCache: { name: 'infra/app.ts' },
  // Any plan, even empty, puts the fault proxy in place; each test injects its own rule.
  faults: {},
});

const byPath = (kind: 'table' | 'function' | 'stateMachine', prefix: string) => {
  const found = local.cloud.resources
    .list(kind as 'table')
    .filter((r) => r.path?.startsWith(`StepsagaExample/${prefix}/`));
  if (found.length !== 1 || !found[0]) throw new Error(`expected one ${kind} under ${prefix}`);
  return found[0];
};

/**
 * The report's figures, from the cost plan in the synthesized template the cloud runs (read from the
 * synth cache the cloud filled, as `stepsaga cost` reads it).
 */
async function modelled(path: 'happy' | 'compensating' | 'parked'): Promise<number> {
  const assembly = await loadAssembly(() => buildExampleApp().app, new SynthCache({ name: 'infra/app.ts' }));
  const plan = sagaCostPlans(assembly.stacks).find((p) => p.sagaName === 'PlaceOrder');
  if (!plan) throw new Error('PlaceOrder carries no cost plan');
  const found = estimateSagaCost(plan).paths.find((p) => p.path === path);
  if (!found) throw new Error(`no ${path} path`);
  return found.transitions;
}

async function seed(id: string) {
  const { dynamodb } = engineClients(local.cloud);
  await dynamodb.send(
    new PutItemCommand({
      TableName: byPath('table', 'Inventory/Table').name,
      Item: marshall({ pk: `SKU#${id}`, sk: 'STOCK', available: 10 }),
    }),
  );
  await dynamodb.send(
    new PutItemCommand({
      TableName: byPath('table', 'Payment/Table').name,
      Item: marshall({ pk: `ACCOUNT#${id}`, sk: 'BALANCE', balance: 10_000 }),
    }),
  );
}

async function placeOrder(orderId: string) {
  await seed(orderId);
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: byPath('stateMachine', 'PlaceOrder').arn,
    name: orderId,
    input: JSON.stringify({ orderId, customerId: orderId, sku: orderId, quantity: 1, amount: 500 }),
  })) as { executionArn: string };
  const done = await waitForExecution(local.cloud, executionArn, 60_000, { parkedDecision: 'abandon' });
  return { done, history: await historyOf(local.cloud, executionArn) };
}

describe('the cost report against PlaceOrder executions on the local cloud', () => {
  it('bills the happy path as the report says', async () => {
    const { done, history } = await placeOrder('cost-happy-1');
    expect(done.status).toBe('SUCCEEDED');
    expect(billedTransitions(history)).toBe(await modelled('happy'));
    expect(await modelled('happy')).toBe(4);
  });

  it('bills the worst compensating path (the last step refuses) as the report says', async () => {
    local.cloud.faults.inject({
      kind: 'error',
      function: byPath('function', 'Shipping/Function').name,
      sagaId: 'cost-refused-1',
      phase: 'action',
      errorType: 'SagaBusinessError',
      errorMessage: 'the carrier refuses the parcel',
    });
    const { done, history } = await placeOrder('cost-refused-1');
    expect(done.error).toBe('SagaCompensated');
    expect(billedTransitions(history)).toBe(await modelled('compensating'));
    expect(await modelled('compensating')).toBe(7);
  });
});
