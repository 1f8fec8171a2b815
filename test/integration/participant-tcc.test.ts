import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { defineParticipant, ErrorNames, type Phase } from '../../functions/runtime/index.js';
import {
  createParticipantTable,
  getItem,
  itemsOfType,
  localDynamoClient,
  putItem,
  uniqueId,
} from '../support/dynamo-tables.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let client: DynamoDBClient;
let table: string;
let account: string;
const runs = { hold: 0, capture: 0, releaseHold: 0 };

const accountKey = (id: string) => ({ pk: `ACCOUNT#${id}`, sk: 'BALANCE' });
const balances = async () => {
  const item = await getItem(client, table, accountKey(account));
  return { balance: item?.balance, held: item?.held };
};

/** A TCC account: try moves money to `held`, confirm drops the hold, cancel moves it back. */
function accountParticipant() {
  return defineParticipant({
    name: 'Account',
    input: z.object({ account: z.string(), amount: z.number().int().positive() }),
    client,
    tableName: table,
    tcc: {
      try: {
        hold: ({ input, update }) => {
          runs.hold += 1;
          update({
            key: accountKey(input.account),
            update: 'SET balance = balance - :amount, held = held + :amount',
            condition: 'balance >= :amount',
            values: { ':amount': input.amount },
            conditionName: 'SUFFICIENT_FUNDS',
          });
          return { held: input.amount };
        },
      },
      confirm: {
        capture: ({ input, update, emit }) => {
          runs.capture += 1;
          update({
            key: accountKey(input.account),
            update: 'SET held = held - :amount',
            values: { ':amount': input.amount },
          });
          emit('FundsCaptured', { amount: input.amount });
          return { captured: input.amount };
        },
      },
      cancel: {
        releaseHold: ({ action: { input, result }, update }) => {
          runs.releaseHold += 1;
          update({
            key: accountKey(input.account),
            update: 'SET balance = balance + :amount, held = held - :amount',
            values: { ':amount': input.amount },
          });
          return { released: input.amount, tried: result };
        },
      },
    },
  });
}

const ACTIONS: Partial<Record<Phase, string>> = { try: 'hold', confirm: 'capture', cancel: 'releaseHold' };
const call = (sagaId: string, phase: Phase, amount = 30) =>
  accountParticipant()({
    sagaId,
    sagaName: 'Transfer',
    step: 'Debit',
    phase,
    action: ACTIONS[phase],
    input: { account, amount },
    results: {},
  });
const nextSaga = () => uniqueId('tcc');

beforeAll(async () => {
  client = localDynamoClient(inject('dynamoDbEndpoint'));
  table = await createParticipantTable(client, 'tcc');
});

beforeEach(async () => {
  Object.assign(runs, { hold: 0, capture: 0, releaseHold: 0 });
  account = uniqueId('acct');
  await putItem(client, table, { ...accountKey(account), balance: 100, held: 0 });
});

describe('TCC phases', () => {
  it('confirms a committed try once', async () => {
    const sagaId = nextSaga();
    await expect(call(sagaId, 'try')).resolves.toEqual({ held: 30 });
    expect(await balances()).toEqual({ balance: 70, held: 30 });

    const confirmed = await call(sagaId, 'confirm');
    const again = await call(sagaId, 'confirm');

    expect(confirmed).toEqual({ captured: 30 });
    expect(again).toEqual(confirmed);
    expect(await balances()).toEqual({ balance: 70, held: 0 });
    expect((await itemsOfType(client, table, 'outbox', sagaId)).map((e) => e.eventType)).toEqual([
      'FundsCaptured',
    ]);
  });

  it('refuses a confirm whose try never ran, changing nothing', async () => {
    const sagaId = nextSaga();

    const confirm = call(sagaId, 'confirm');

    await expect(confirm).rejects.toMatchObject({ name: ErrorNames.actionRefused });
    await expect(confirm).rejects.toThrow(
      `Account.capture (confirm of step Debit, saga ${sagaId}) is refused: it requires the try phase of step Debit to have committed, but that phase is absent.`,
    );
    expect(await balances()).toEqual({ balance: 100, held: 0 });
    expect(await itemsOfType(client, table, 'barrier', sagaId)).toEqual([]);
    expect(await itemsOfType(client, table, 'outbox', sagaId)).toEqual([]);
  });

  it('records a cancel of a missing try as empty and refuses the late try', async () => {
    const sagaId = nextSaga();

    await expect(call(sagaId, 'cancel')).resolves.toBeNull();
    expect(runs.releaseHold).toBe(0);

    await expect(call(sagaId, 'try')).rejects.toMatchObject({ name: ErrorNames.actionRefused });
    expect(await balances()).toEqual({ balance: 100, held: 0 });
    const barriers = await itemsOfType(client, table, 'barrier', sagaId);
    expect(barriers.map((b) => [b.sk, b.status]).sort()).toEqual([
      ['Debit#cancel', 'empty'],
      ['Debit#try', 'blocked'],
    ]);
    // The blocked try also rules out a confirm.
    await expect(call(sagaId, 'confirm')).rejects.toThrow('but that phase is "blocked"');
  });

  it('cancels a committed try once, seeing the try result', async () => {
    const sagaId = nextSaga();
    await call(sagaId, 'try');

    const cancelled = await call(sagaId, 'cancel');
    const again = await call(sagaId, 'cancel');

    expect(cancelled).toEqual({ released: 30, tried: { held: 30 } });
    expect(again).toEqual(cancelled);
    expect(runs.releaseHold).toBe(1);
    expect(await balances()).toEqual({ balance: 100, held: 0 });
  });

  it('refuses a confirm that arrives after the cancel, leaving the hold released', async () => {
    const sagaId = nextSaga();
    await call(sagaId, 'try');
    await call(sagaId, 'cancel');

    const confirm = call(sagaId, 'confirm');

    await expect(confirm).rejects.toMatchObject({ name: ErrorNames.actionRefused });
    await expect(confirm).rejects.toThrow(
      `Account.capture (confirm of step Debit, saga ${sagaId}) is refused: the cancel of step Debit already committed, and a transaction is either confirmed or cancelled, never both.`,
    );
    expect(await balances()).toEqual({ balance: 100, held: 0 });
    const barriers = await itemsOfType(client, table, 'barrier', sagaId);
    expect(barriers.map((b) => b.sk).sort()).toEqual(['Debit#cancel', 'Debit#try']);
  });

  it('refuses a cancel that arrives after the confirm, leaving the capture in place', async () => {
    const sagaId = nextSaga();
    await call(sagaId, 'try');
    await call(sagaId, 'confirm');

    const cancel = call(sagaId, 'cancel');

    await expect(cancel).rejects.toMatchObject({ name: ErrorNames.actionRefused });
    await expect(cancel).rejects.toThrow('the confirm of step Debit already committed');
    expect(await balances()).toEqual({ balance: 70, held: 0 });
    expect((await itemsOfType(client, table, 'outbox', sagaId)).map((e) => e.eventType)).toEqual([
      'FundsCaptured',
    ]);
  });

  it('lets exactly one of a racing confirm and cancel commit', async () => {
    for (let round = 0; round < 10; round += 1) {
      account = uniqueId('acct');
      await putItem(client, table, { ...accountKey(account), balance: 100, held: 0 });
      const sagaId = nextSaga();
      await call(sagaId, 'try');

      const [confirm, cancel] = await Promise.allSettled([call(sagaId, 'confirm'), call(sagaId, 'cancel')]);

      const winners = [confirm, cancel].filter((outcome) => outcome.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      const loser = [confirm, cancel].find((outcome) => outcome.status === 'rejected');
      expect(loser).toMatchObject({ reason: { name: ErrorNames.actionRefused } });
      const sks = (await itemsOfType(client, table, 'barrier', sagaId)).map((b) => b.sk);
      expect(sks.filter((sk) => sk === 'Debit#confirm' || sk === 'Debit#cancel')).toHaveLength(1);
      // Captured (70, nothing held) or released (100, nothing held): never both, never neither.
      expect(await balances()).toEqual(
        confirm.status === 'fulfilled' ? { balance: 70, held: 0 } : { balance: 100, held: 0 },
      );
    }
  });
});
