import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../functions/examples/accounts/account-key.js';
import { creditService } from '../../functions/examples/accounts/credit-handler.js';
import { debitService } from '../../functions/examples/accounts/debit-handler.js';
import type { TransferInput } from '../../functions/examples/accounts/transfer-input.js';
import { ErrorNames, type Phase } from '../../functions/runtime/index.js';
import { PENDING_ATTRIBUTE, reservationKey } from '../../functions/tcc/index.js';
import {
  createParticipantTable,
  getItem,
  itemsOfType,
  localDynamoClient,
  putItem,
  scanAll,
  uniqueId,
} from '../support/dynamo-tables.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let client: DynamoDBClient;
let debitTable: string;
let creditTable: string;
const NOW = new Date('2026-03-01T10:00:00.000Z');

const services = () => ({
  Debit: debitService({ client, tableName: debitTable, reservationSeconds: 600, now: () => NOW }),
  Credit: creditService({ client, tableName: creditTable, reservationSeconds: 600, now: () => NOW }),
});
const ACTIONS: Record<'Debit' | 'Credit', Partial<Record<Phase, string>>> = {
  Debit: { try: 'hold', confirm: 'settle', cancel: 'release' },
  Credit: { try: 'recordPending', confirm: 'apply', cancel: 'drop' },
};

function call(step: 'Debit' | 'Credit', sagaId: string, phase: Phase, input: TransferInput) {
  return services()[step]({
    sagaId,
    sagaName: 'Transfer',
    step,
    phase,
    action: ACTIONS[step][phase],
    input,
    results: {},
  });
}

/** What the state machine does: Try both; Confirm both if both held, else Cancel both. */
async function transfer(
  input: TransferInput,
  sagaId = uniqueId('transfer'),
): Promise<'confirmed' | 'cancelled'> {
  const tries = await Promise.allSettled([
    call('Debit', sagaId, 'try', input),
    call('Credit', sagaId, 'try', input),
  ]);
  const phase = tries.every((t) => t.status === 'fulfilled') ? 'confirm' : 'cancel';
  await Promise.all([call('Debit', sagaId, phase, input), call('Credit', sagaId, phase, input)]);
  return phase === 'confirm' ? 'confirmed' : 'cancelled';
}

async function openAccounts(debitBalance: number, creditBalance: number) {
  const from = uniqueId('alice');
  const to = uniqueId('bob');
  await putItem(client, debitTable, { ...accountKey(from), balance: debitBalance, held: 0 });
  await putItem(client, creditTable, { ...accountKey(to), balance: creditBalance });
  return { from, to };
}

async function debitAccount(id: string) {
  const item = await getItem(client, debitTable, accountKey(id));
  return { balance: item?.balance, held: item?.held };
}
async function creditAccount(id: string) {
  const item = await getItem(client, creditTable, accountKey(id));
  return { balance: item?.balance, pendingCredit: item?.pendingCredit };
}

/** All money in both services: debit balances and holds, credit balances (pending credit is not money yet). */
async function totalMoney(): Promise<number> {
  const sum = (items: Record<string, unknown>[], fields: string[]) =>
    items
      .filter((i) => String(i['pk']).startsWith('ACCOUNT#'))
      .reduce((total, i) => total + fields.reduce((s, f) => s + Number(i[f] ?? 0), 0), 0);
  return (
    sum(await scanAll(client, debitTable), ['balance', 'held']) +
    sum(await scanAll(client, creditTable), ['balance'])
  );
}

beforeAll(async () => {
  client = localDynamoClient(inject('dynamoDbEndpoint'));
  debitTable = await createParticipantTable(client, 'debit-accounts');
  creditTable = await createParticipantTable(client, 'credit-accounts');
});

describe('Transfer account services (TCC phases on DynamoDB Local)', () => {
  it('moves the amount on confirm: held on Try, debited and credited on Confirm, money conserved', async () => {
    const { from, to } = await openAccounts(100, 5);
    const input = { transferId: 't-1', fromAccount: from, toAccount: to, amount: 30 };
    const sagaId = uniqueId('transfer');
    const before = await totalMoney();

    await expect(call('Debit', sagaId, 'try', input)).resolves.toEqual({ account: from, held: 30 });
    await expect(call('Credit', sagaId, 'try', input)).resolves.toEqual({ account: to, pending: 30 });
    expect(await debitAccount(from)).toEqual({ balance: 70, held: 30 });
    expect(await creditAccount(to)).toEqual({ balance: 5, pendingCredit: 30 });
    expect(await totalMoney()).toBe(before);

    await call('Debit', sagaId, 'confirm', input);
    await call('Credit', sagaId, 'confirm', input);
    expect(await debitAccount(from)).toEqual({ balance: 70, held: 0 });
    expect(await creditAccount(to)).toEqual({ balance: 35, pendingCredit: 0 });
    expect(await totalMoney()).toBe(before);
    expect((await itemsOfType(client, debitTable, 'outbox', sagaId)).map((e) => e.eventType)).toEqual([
      'TransferDebited',
    ]);
    expect((await itemsOfType(client, creditTable, 'outbox', sagaId)).map((e) => e.eventType)).toEqual([
      'TransferCredited',
    ]);
  });

  it('conserves money over confirmed and cancelled transfers alike, leaving no hold or pending credit', async () => {
    const { from, to } = await openAccounts(100, 0);
    const before = await totalMoney();
    const outcomes = [];
    for (const [amount, toAccount] of [
      [40, to],
      [80, to], // more than the 60 left: the debit Try refuses, both cancel
      [10, 'nobody'], // unknown credit account: the credit Try refuses, both cancel
      [60, to],
    ] as const) {
      outcomes.push(await transfer({ transferId: uniqueId('t'), fromAccount: from, toAccount, amount }));
    }
    expect(outcomes).toEqual(['confirmed', 'cancelled', 'cancelled', 'confirmed']);
    expect(await debitAccount(from)).toEqual({ balance: 0, held: 0 });
    expect(await creditAccount(to)).toEqual({ balance: 100, pendingCredit: 0 });
    expect(await totalMoney()).toBe(before);
  });

  it('refuses a Try that would overdraw, changing nothing', async () => {
    const { from, to } = await openAccounts(20, 0);
    const input = { transferId: 't-2', fromAccount: from, toAccount: to, amount: 21 };
    const held = call('Debit', uniqueId('transfer'), 'try', input);
    await expect(held).rejects.toMatchObject({ name: ErrorNames.business, code: 'INSUFFICIENT_FUNDS' });
    await expect(held).rejects.toThrow(
      `Insufficient funds in account "${from}": 21 cents requested, 20 available.`,
    );
    expect(await debitAccount(from)).toEqual({ balance: 20, held: 0 });
  });

  it('records a Cancel that arrives before its Try as empty and refuses the late Try', async () => {
    const { from, to } = await openAccounts(100, 0);
    const input = { transferId: 't-3', fromAccount: from, toAccount: to, amount: 30 };
    const sagaId = uniqueId('transfer');

    await expect(call('Debit', sagaId, 'cancel', input)).resolves.toBeNull();
    await expect(call('Credit', sagaId, 'cancel', input)).resolves.toBeNull();
    await expect(call('Debit', sagaId, 'try', input)).rejects.toMatchObject({
      name: ErrorNames.actionRefused,
    });
    await expect(call('Credit', sagaId, 'try', input)).rejects.toMatchObject({
      name: ErrorNames.actionRefused,
    });

    expect(await debitAccount(from)).toEqual({ balance: 100, held: 0 });
    expect(await creditAccount(to)).toEqual({ balance: 0, pendingCredit: undefined });
    expect(await getItem(client, debitTable, reservationKey('Transfer', sagaId, 'Debit'))).toBeUndefined();
  });

  it('applies a duplicate Confirm once and answers it with the first result', async () => {
    const { from, to } = await openAccounts(100, 0);
    const input = { transferId: 't-4', fromAccount: from, toAccount: to, amount: 25 };
    const sagaId = uniqueId('transfer');
    await call('Debit', sagaId, 'try', input);
    await call('Credit', sagaId, 'try', input);

    const first = await call('Credit', sagaId, 'confirm', input);
    const again = await call('Credit', sagaId, 'confirm', input);
    await call('Debit', sagaId, 'confirm', input);
    await expect(call('Debit', sagaId, 'confirm', input)).resolves.toEqual({ account: from, debited: 25 });

    expect(first).toEqual({ account: to, credited: 25 });
    expect(again).toEqual(first);
    expect(await creditAccount(to)).toEqual({ balance: 25, pendingCredit: 0 });
    expect(await debitAccount(from)).toEqual({ balance: 75, held: 0 });
    expect(await itemsOfType(client, creditTable, 'outbox', sagaId)).toHaveLength(1);
  });

  it('rounds a deadline up to the whole second, so a hold never expires before its declared time', async () => {
    const { from, to } = await openAccounts(100, 0);
    const sagaId = uniqueId('transfer');
    const triedAt = new Date('2026-03-01T10:00:00.400Z');
    await debitService({ client, tableName: debitTable, reservationSeconds: 600, now: () => triedAt })({
      sagaId,
      sagaName: 'Transfer',
      step: 'Debit',
      phase: 'try',
      action: 'hold',
      input: { transferId: 't-round', fromAccount: from, toAccount: to, amount: 10 },
      results: {},
    });
    const reservation = await getItem(client, debitTable, reservationKey('Transfer', sagaId, 'Debit'));
    expect(reservation?.deadlineAt).toBe(Date.parse('2026-03-01T10:10:01.000Z') / 1000);
  });

  it('keeps a pending reservation with its deadline from Try until Confirm settles it', async () => {
    const { from, to } = await openAccounts(100, 0);
    const input = { transferId: 't-5', fromAccount: from, toAccount: to, amount: 10 };
    const sagaId = uniqueId('transfer');
    await call('Debit', sagaId, 'try', input);

    expect(await getItem(client, debitTable, reservationKey('Transfer', sagaId, 'Debit'))).toMatchObject({
      itemType: 'tcc-reservation',
      status: 'pending',
      sagaName: 'Transfer',
      cancelAction: 'release',
      input: JSON.stringify(input),
      deadlineAt: NOW.getTime() / 1000 + 600,
      [PENDING_ATTRIBUTE]: 'PENDING',
    });
    await call('Debit', sagaId, 'confirm', input);
    const settled = await getItem(client, debitTable, reservationKey('Transfer', sagaId, 'Debit'));
    expect(settled).toMatchObject({ status: 'confirmed', settledAt: NOW.toISOString() });
    expect(settled).not.toHaveProperty(PENDING_ATTRIBUTE);
  });

  it('cancels exactly what the Try held, whatever amount the Cancel request carries', async () => {
    const { from, to } = await openAccounts(100, 0);
    const input = { transferId: 't-7', fromAccount: from, toAccount: to, amount: 3 };
    const forged = { ...input, amount: 50 };
    const sagaId = uniqueId('transfer');
    await call('Debit', sagaId, 'try', input);
    await call('Credit', sagaId, 'try', input);
    const before = await totalMoney();

    await expect(call('Debit', sagaId, 'cancel', forged)).resolves.toEqual({ account: from, released: 3 });
    await expect(call('Credit', sagaId, 'cancel', forged)).resolves.toEqual({ account: to, dropped: 3 });

    expect(await debitAccount(from)).toEqual({ balance: 100, held: 0 });
    expect(await creditAccount(to)).toEqual({ balance: 0, pendingCredit: 0 });
    expect(await totalMoney()).toBe(before);
  });

  it('refuses a Confirm whose input differs from its Try with SagaRequestMismatch, changing nothing', async () => {
    const { from, to } = await openAccounts(100, 0);
    const input = { transferId: 't-8', fromAccount: from, toAccount: to, amount: 3 };
    const sagaId = uniqueId('transfer');
    await call('Debit', sagaId, 'try', input);

    const confirm = call('Debit', sagaId, 'confirm', { ...input, amount: 50 });

    await expect(confirm).rejects.toMatchObject({ name: ErrorNames.requestMismatch });
    await expect(confirm).rejects.toThrow('a confirm settles what its try reserved');
    expect(await debitAccount(from)).toEqual({ balance: 97, held: 3 });
    expect(await getItem(client, debitTable, reservationKey('Transfer', sagaId, 'Debit'))).toMatchObject({
      status: 'pending',
    });
    expect((await itemsOfType(client, debitTable, 'barrier', sagaId)).map((b) => b.sk)).toEqual([
      'Debit#try',
    ]);
    // The Confirm the coordinator sends, with the Try's input, still settles the hold.
    await expect(call('Debit', sagaId, 'confirm', input)).resolves.toEqual({ account: from, debited: 3 });
    expect(await debitAccount(from)).toEqual({ balance: 97, held: 0 });
  });

  it('refuses a Confirm after the reservation was cancelled, and a Cancel after it was confirmed', async () => {
    const { from, to } = await openAccounts(100, 0);
    const input = { transferId: 't-6', fromAccount: from, toAccount: to, amount: 10 };
    const cancelled = uniqueId('transfer');
    await call('Debit', cancelled, 'try', input);
    await call('Debit', cancelled, 'cancel', input);

    const confirm = call('Debit', cancelled, 'confirm', input);
    await expect(confirm).rejects.toMatchObject({ name: ErrorNames.actionRefused });
    await expect(confirm).rejects.toThrow(
      `The reservation of step Debit in transaction ${cancelled} was cancelled at ${NOW.toISOString()} (deadline 2026-03-01T10:10:00.000Z), so it cannot be confirmed.`,
    );
    expect(await debitAccount(from)).toEqual({ balance: 100, held: 0 });

    const confirmed = uniqueId('transfer');
    await call('Debit', confirmed, 'try', input);
    await call('Debit', confirmed, 'confirm', input);
    await expect(call('Debit', confirmed, 'cancel', input)).rejects.toMatchObject({
      name: ErrorNames.business,
      code: 'RESERVATION_CONFIRMED',
    });
    expect(await debitAccount(from)).toEqual({ balance: 90, held: 0 });
    expect((await itemsOfType(client, debitTable, 'barrier', confirmed)).map((b) => b.sk).sort()).toEqual([
      'Debit#confirm',
      'Debit#try',
    ]);
  });
});
