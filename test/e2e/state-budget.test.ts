import { describe, expect, it } from 'vitest';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { scanTable } from '../campaign/snapshot.js';
import { engineClients, eventually, receiveOne } from '../support/local-cloud.js';
import { BLOB_BUDGETS, buildStateBudgetApp } from './fixtures/state-budget-app.js';

// A saga whose step results together would outgrow the 256 KiB state, and inputs that are not
// objects: each must end as designed, with an outcome, and leave nothing committed uncompensated.
const local = useLocalCloud(() => buildStateBudgetApp(), {
  retryIntervalDivisor: 50,
  synthCache: { name: 'test/e2e/fixtures/state-budget-app.ts' },
});

const machine = () => local.cloud.resources.find('StoreBlobs', 'stateMachine').arn;
const table = () => local.cloud.resources.find('BlobStore/Table', 'table').name;
const outcomesUrl = () => local.cloud.resources.find('Outcomes', 'queue').url ?? '';

async function start(name: string, input: unknown) {
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: machine(),
    name,
    input: JSON.stringify(input),
  })) as { executionArn: string };
  return { executionArn, done: await waitForExecution(local.cloud, executionArn, 60_000) };
}

const itemsOf = async (sagaId: string) =>
  (await scanTable(engineClients(local.cloud).dynamodb, table())).items.filter(
    (item) => item['pk'] === `BLOB#${sagaId}` || item['sagaId'] === sagaId,
  );

const outcomeOf = (executionArn: string) =>
  eventually(
    async () => {
      const message = await receiveOne(engineClients(local.cloud).sqs, outcomesUrl());
      const body = message?.body as { executionArn?: string } | undefined;
      return body?.executionArn === executionArn ? body : undefined;
    },
    20_000,
    `the outcome of ${executionArn}`,
  );

describe('the saga state budget on the local cloud', () => {
  it('compensates a saga whose results would pass 256 KiB: the step over its share commits nothing, the others are undone', async () => {
    // A and B fit their 100,000-byte shares; C's 99,000 bytes are over the ~24 KB left for it. Kept,
    // the three results would make a ~297 KB state, which AWS ends with States.DataLimitExceeded
    // after C committed: no compensation, no outcome.
    const sizes = { A: 99_000, B: 99_000, C: 99_000 };
    const { executionArn, done } = await start('blobs-1', { id: 'blobs-1', sizes });
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCompensated');
    const caught = JSON.parse(done.cause ?? '{}') as Record<string, { Error: string; Cause: string }>;
    expect(Object.keys(caught)).toEqual(['C']);
    expect(caught.C?.Error).toBe('SagaResultTooLarge');
    expect(JSON.parse(caught.C?.Cause ?? '{}').errorMessage).toMatch(
      /returned a 99011-byte result, above the step's \d+-byte share of the saga state .* Nothing was committed\./,
    );
    const items = await itemsOf('blobs-1');
    // No blob is left; A and B were stored and removed; C never committed its action.
    expect(items.filter((i) => i['itemType'] === 'blob')).toEqual([]);
    const barriers = items
      .filter((i) => i['itemType'] === 'barrier')
      .map((i) => `${i['step']}:${i['phase']}:${i['status']}`)
      .sort();
    expect(barriers).toEqual([
      'A:action:committed',
      'A:compensation:committed',
      'B:action:committed',
      'B:compensation:committed',
      'C:action:blocked',
      'C:compensation:empty',
    ]);
    const outcome = (await outcomeOf(executionArn)) as { type: string; summary: Record<string, unknown> };
    expect(outcome.type).toBe('SagaCompensated');
    expect(Object.keys(outcome.summary)).toEqual(['C']);
  });

  it('succeeds when every result fits its share, with the state under 256 KiB', async () => {
    const sizes = { A: 99_000, B: 99_000, C: 20_000 };
    const { done } = await start('blobs-2', { id: 'blobs-2', sizes });
    expect(done.status).toBe('SUCCEEDED');
    expect(Buffer.byteLength(done.output ?? '')).toBeLessThan(262_144);
    expect(BLOB_BUDGETS.A).toBe(100_000);
  });

  it.each([
    ['an array', ['blobs-3'], 'blobs-array'],
    ['a string', 'blobs-3', 'blobs-string'],
  ])(
    'fails %s input as SagaInputInvalid, publishes its outcome, and commits nothing',
    async (shown, input, name) => {
      const { executionArn, done } = await start(name, input);
      expect(done.status).toBe('FAILED');
      expect(done.error).toBe('SagaInputInvalid');
      const caught = JSON.parse(done.cause ?? '{}') as Record<string, { Error: string; Cause: string }>;
      expect(caught.A?.Error).toBe('SagaInputInvalid');
      expect(JSON.parse(caught.A?.Cause ?? '{}').errorMessage).toBe(
        `Saga StoreBlobs (${name}) was started with ${shown} as input; a saga input must be a JSON object. Nothing ran.`,
      );
      const outcome = (await outcomeOf(executionArn)) as { type: string; summary: Record<string, unknown> };
      expect(outcome).toMatchObject({
        type: 'SagaCompensated',
        summary: { A: { Error: 'SagaInputInvalid' } },
      });
      expect(await itemsOf(name)).toEqual([]);
    },
  );
});
