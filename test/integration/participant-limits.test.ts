import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import {
  defineParticipant,
  ErrorNames,
  MAX_EVENT_PAYLOAD_BYTES,
  MAX_RESULT_BYTES,
  type StepContext,
} from '../../functions/runtime/index.js';
import { countRequests, type RequestCounter } from '../support/dynamo-faults.js';
import {
  createParticipantTable,
  itemsOfType,
  localDynamoClient,
  scanAll,
  uniqueId,
} from '../support/dynamo-tables.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let client: DynamoDBClient;
let table: string;
let counter: RequestCounter;

type Ctx = StepContext<{ n: number }>;

/** A participant whose single action is the body under test. */
function participantRunning(body: (ctx: Ctx) => unknown) {
  return defineParticipant({
    name: 'Limits',
    input: z.object({ n: z.number() }),
    client,
    tableName: table,
    actions: { act: body },
  });
}

async function run(
  body: (ctx: Ctx) => unknown,
  n = 0,
  extra: { input?: unknown; budget?: { inputBytes: number; resultBytes: number } } = {},
) {
  const sagaId = uniqueId('limits');
  const outcome = participantRunning(body)({
    sagaId,
    sagaName: 'Limits',
    step: 'Act',
    phase: 'action',
    action: 'act',
    input: 'input' in extra ? extra.input : { n },
    results: {},
    ...(extra.budget ? { budget: extra.budget } : {}),
  });
  return { sagaId, outcome };
}

const what = (sagaId: string) => `Limits.act (action of step Act, saga ${sagaId})`;
const kib = (n: number) => 'x'.repeat(n * 1024);

beforeAll(async () => {
  client = localDynamoClient(inject('dynamoDbEndpoint'));
  table = await createParticipantTable(client, 'limits');
  counter = countRequests(client);
});

beforeEach(() => counter.reset());

async function expectRefusedBeforeDynamo(
  sagaId: string,
  outcome: Promise<unknown>,
  message: string | RegExp,
  name: string = ErrorNames.limitExceeded,
) {
  await expect(outcome).rejects.toMatchObject({ name });
  await expect(outcome).rejects.toThrow(message);
  expect(counter.counts.get('TransactWriteItemsCommand')).toBeUndefined();
  expect(
    (await scanAll(client, table)).filter(
      (item) => item.sagaId === sagaId || String(item.pk).startsWith(`ITEM#${sagaId}`),
    ),
  ).toEqual([]);
}

describe('transaction limits', () => {
  it('commits exactly 100 items: 98 writes, the barrier and one event', async () => {
    const { sagaId, outcome } = await run((ctx) => {
      for (let i = 0; i < 98; i += 1) ctx.put({ item: { pk: `ITEM#${ctx.sagaId}`, sk: String(i) } });
      ctx.emit('Filled', {});
    });
    await expect(outcome).resolves.toBeNull();
    expect((await scanAll(client, table)).filter((item) => item.pk === `ITEM#${sagaId}`)).toHaveLength(98);
  });

  it('refuses 101 items before calling DynamoDB', async () => {
    const { sagaId, outcome } = await run((ctx) => {
      for (let i = 0; i < 99; i += 1) ctx.put({ item: { pk: `ITEM#${ctx.sagaId}`, sk: String(i) } });
      ctx.emit('Filled', {});
    });
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      `${what(sagaId)} needs 101 items in one transaction (staged writes + barrier + outbox events), but DynamoDB allows at most 100. Stage fewer writes or emit fewer events per step.`,
    );
  });

  it('refuses a transaction above 4 MB', async () => {
    const { sagaId, outcome } = await run((ctx) => {
      for (let i = 0; i < 11; i += 1)
        ctx.put({ item: { pk: `ITEM#${ctx.sagaId}`, sk: String(i), data: kib(390) } });
    });
    await expectRefusedBeforeDynamo(sagaId, outcome, "above DynamoDB's limit of 4194304 bytes (4 MB)");
  });

  it('refuses an item above 400 KB', async () => {
    const { sagaId, outcome } = await run((ctx) =>
      ctx.put({ item: { pk: `ITEM#${ctx.sagaId}`, sk: 'big', data: kib(401) } }),
    );
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      `Put of ${table} {"pk":"ITEM#${sagaId}","sk":"big"} is ${401 * 1024 + 'pkskdata'.length + `ITEM#${sagaId}big`.length} bytes, above DynamoDB's item limit of 409600 bytes`,
    );
  });

  it('refuses two operations on the same item', async () => {
    const { sagaId, outcome } = await run((ctx) => {
      ctx.put({ item: { pk: `ITEM#${ctx.sagaId}`, sk: 'one', v: 1 } });
      ctx.update({ key: { sk: 'one', pk: `ITEM#${ctx.sagaId}` }, update: 'SET v = :v', values: { ':v': 2 } });
    });
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      `${what(sagaId)}: Put of ${table} {"pk":"ITEM#${sagaId}","sk":"one"} and Update of ${table} {"sk":"one","pk":"ITEM#${sagaId}"} touch the same item; DynamoDB refuses two operations on one item in a transaction. Merge them into one operation.`,
    );
  });

  it("refuses a write on the step's own barrier item", async () => {
    const { sagaId, outcome } = await run((ctx) =>
      ctx.put({ item: { pk: `BARRIER#${ctx.sagaName}#${ctx.sagaId}`, sk: 'Act#action' } }),
    );
    await expectRefusedBeforeDynamo(sagaId, outcome, 'touch the same item');
  });

  it(`refuses an event payload above ${MAX_EVENT_PAYLOAD_BYTES} bytes when it is emitted`, async () => {
    const { sagaId, outcome } = await run((ctx) => ctx.emit('Huge', { data: kib(240) }));
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      `Outbox event "Huge" has a ${240 * 1024 + 11}-byte payload, above the 245760-byte limit (an event must fit one 256 KiB SQS message with its envelope). Send a reference instead of the data.`,
    );
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toEqual([]);
  });

  it(`refuses a result above ${MAX_RESULT_BYTES} bytes`, async () => {
    const { sagaId, outcome } = await run(() => kib(256));
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      `${what(sagaId)} returned a 262146-byte result, above the 262144-byte Step Functions payload limit. Nothing was committed.`,
      ErrorNames.resultTooLarge,
    );
  });
});

describe('the saga state budget', () => {
  const budget = { inputBytes: 1_024, resultBytes: 2_048 };

  it("refuses a result over the step's share of the saga state with SagaResultTooLarge, committing none of its writes", async () => {
    const { sagaId, outcome } = await run(
      (ctx) => {
        ctx.put({ item: { pk: `ITEM#${ctx.sagaId}`, sk: 'written' } });
        ctx.emit('Done', {});
        return { blob: 'x'.repeat(2_100) };
      },
      0,
      { budget },
    );
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      `${what(sagaId)} returned a 2111-byte result, above the step's 2048-byte share of the saga state (input and every result must fit Step Functions' 262144-byte state). Nothing was committed.`,
      ErrorNames.resultTooLarge,
    );
    expect(await itemsOfType(client, table, 'barrier', sagaId)).toEqual([]);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toEqual([]);
  });

  it('commits a result that fits its share', async () => {
    const { outcome } = await run(() => ({ blob: 'x'.repeat(2_000) }), 0, { budget });
    await expect(outcome).resolves.toEqual({ blob: 'x'.repeat(2_000) });
  });

  it.each([
    ['an array', [1]],
    ['a string', 'order-1'],
    ['null', null],
  ])('refuses %s as saga input with SagaInputInvalid before the handler runs', async (shown, input) => {
    let ran = false;
    const { sagaId, outcome } = await run(
      () => {
        ran = true;
      },
      0,
      { input, budget },
    );
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      `Saga Limits (${sagaId}) was started with ${shown} as input; a saga input must be a JSON object. Nothing ran.`,
      ErrorNames.inputInvalid,
    );
    expect(ran).toBe(false);
  });

  it("refuses an input over the saga's input budget with SagaInputInvalid", async () => {
    const { sagaId, outcome } = await run(() => null, 0, {
      input: { n: 1, note: 'x'.repeat(1_100) },
      budget,
    });
    await expectRefusedBeforeDynamo(
      sagaId,
      outcome,
      /was started with a 1\d{3}-byte input, above its 1024-byte input budget/,
      ErrorNames.inputInvalid,
    );
  });
});
