import { randomUUID } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { accountKey } from '../../functions/examples/accounts/account-key.js';
import { debitService } from '../../functions/examples/accounts/debit-handler.js';
import type { TransferInput } from '../../functions/examples/accounts/transfer-input.js';
import { ErrorNames, type ParticipantRequest, type Phase } from '../../functions/runtime/index.js';
import {
  DEADLINE_ATTRIBUTE,
  PENDING_ATTRIBUTE,
  RESERVATION_INDEX,
  reservationKey,
  sweepExpiredReservations,
} from '../../functions/tcc/index.js';
import { getItem, itemsOfType, localDynamoClient, putItem, uniqueId } from '../support/dynamo-tables.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let client: DynamoDBClient;
let table: string;
const HELD_AT = new Date('2026-03-01T10:00:00.000Z');
const DEADLINE_SECONDS = 600;
const AFTER_DEADLINE = new Date(HELD_AT.getTime() + (DEADLINE_SECONDS + 1) * 1000);
const ACTIONS: Partial<Record<Phase, string>> = { try: 'hold', confirm: 'settle', cancel: 'release' };

const debit = (now = HELD_AT) =>
  debitService({ client, tableName: table, reservationSeconds: DEADLINE_SECONDS, now: () => now });
const call = (sagaId: string, phase: Phase, input: TransferInput, now = HELD_AT) =>
  debit(now)({
    sagaId,
    sagaName: 'Transfer',
    step: 'Debit',
    phase,
    action: ACTIONS[phase],
    input,
    results: {},
  });

/** The sweeper's transport to the participant is a Lambda Invoke; here the same handler runs in-process. */
const cancelThroughHandler = (request: ParticipantRequest) => debit(AFTER_DEADLINE)(request);

const sweep = (now: Date, cancel = cancelThroughHandler) =>
  sweepExpiredReservations({ client, tableName: table, now, limit: 1000, cancel });

/** A participant table as the ReservationSweeper construct leaves it: plus the sparse deadline index. */
async function createTableWithReservationIndex(): Promise<string> {
  const name = `sweeper-${randomUUID().slice(0, 8)}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
        { AttributeName: PENDING_ATTRIBUTE, AttributeType: 'S' },
        { AttributeName: DEADLINE_ATTRIBUTE, AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: RESERVATION_INDEX,
          KeySchema: [
            { AttributeName: PENDING_ATTRIBUTE, KeyType: 'HASH' },
            { AttributeName: DEADLINE_ATTRIBUTE, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
  return name;
}

async function openAccount(balance: number): Promise<TransferInput> {
  const fromAccount = uniqueId('alice');
  await putItem(client, table, { ...accountKey(fromAccount), balance, held: 0 });
  return { transferId: uniqueId('t'), fromAccount, toAccount: 'bob', amount: 30 };
}

const account = async (input: TransferInput) => {
  const item = await getItem(client, table, accountKey(input.fromAccount));
  return { balance: item?.balance, held: item?.held };
};

beforeAll(async () => {
  client = localDynamoClient(inject('dynamoDbEndpoint'));
  table = await createTableWithReservationIndex();
});

describe('reservation deadline sweep (DynamoDB Local)', () => {
  it('cancels a Try nobody confirmed or cancelled once its deadline passed, and the late Confirm is then refused', async () => {
    const input = await openAccount(100);
    const sagaId = uniqueId('orphan');
    await call(sagaId, 'try', input);
    expect(await account(input)).toEqual({ balance: 70, held: 30 });

    const before = await sweep(new Date(HELD_AT.getTime() + (DEADLINE_SECONDS - 1) * 1000));
    expect(before.cancelled).not.toContain(`${sagaId}/Debit`);
    expect(await account(input)).toEqual({ balance: 70, held: 30 });

    const result = await sweep(AFTER_DEADLINE);
    expect(result.cancelled).toContain(`${sagaId}/Debit`);
    expect(result.failed).toEqual([]);
    expect(await account(input)).toEqual({ balance: 100, held: 0 });
    const marker = await getItem(client, table, reservationKey('Transfer', sagaId, 'Debit'));
    expect(marker).toMatchObject({ status: 'cancelled', settledAt: AFTER_DEADLINE.toISOString() });
    expect(marker).not.toHaveProperty(PENDING_ATTRIBUTE);
    expect((await itemsOfType(client, table, 'barrier', sagaId)).map((b) => [b.sk, b.status]).sort()).toEqual(
      [
        ['Debit#cancel', 'committed'],
        ['Debit#try', 'committed'],
      ],
    );

    // The coordinator comes back and confirms: refused, so it parks instead of settling released money.
    await expect(call(sagaId, 'confirm', input, AFTER_DEADLINE)).rejects.toMatchObject({
      name: ErrorNames.actionRefused,
    });
    expect(await account(input)).toEqual({ balance: 100, held: 0 });

    // Swept once: the next sweep does not see it again.
    expect((await sweep(AFTER_DEADLINE)).cancelled).not.toContain(`${sagaId}/Debit`);
  });

  it('leaves confirmed and cancelled reservations alone, whatever their deadline', async () => {
    const input = await openAccount(100);
    const confirmed = uniqueId('confirmed');
    const cancelled = uniqueId('cancelled');
    await call(confirmed, 'try', input);
    await call(confirmed, 'confirm', input);
    await call(cancelled, 'try', input);
    await call(cancelled, 'cancel', input);

    const result = await sweep(AFTER_DEADLINE);
    expect(result.cancelled).not.toContain(`${confirmed}/Debit`);
    expect(result.cancelled).not.toContain(`${cancelled}/Debit`);
    expect(await account(input)).toEqual({ balance: 70, held: 0 });
  });

  it('reports a cancel that fails and leaves the reservation pending for the next sweep', async () => {
    const input = await openAccount(100);
    const sagaId = uniqueId('flaky');
    await call(sagaId, 'try', input);
    const unavailable = async () => {
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    };

    const failed = await sweep(AFTER_DEADLINE, unavailable);
    expect(failed.failed).toContainEqual({
      sagaId,
      step: 'Debit',
      error: 'TooManyRequestsException',
      message: 'Rate exceeded',
    });
    expect(await account(input)).toEqual({ balance: 70, held: 30 });

    const retried = await sweep(AFTER_DEADLINE);
    expect(retried.cancelled).toContain(`${sagaId}/Debit`);
    expect(await account(input)).toEqual({ balance: 100, held: 0 });
  });
});
