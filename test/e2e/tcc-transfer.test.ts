import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ParticipantRequest } from '../../functions/runtime/contract.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { TransferStack } from '../../workflows/transfer.js';
import { engineClients, eventually, getItem, historyOf } from '../support/local-cloud.js';

// Reservations expire after 3 s instead of 15 minutes, and the sweepers' five-minute schedule runs
// every 1.5 s, so that the sweep test needs no manual sweep. 3 s is far above a transfer's Try to
// Confirm here, so the sweepers never cancel a reservation the other tests are about to confirm.
const RESERVATION_SECONDS = 3;
const local = useLocalCloud(
  () => {
    const app = new App();
    new TransferStack(app, 'StepsagaTransfer');
    return app;
  },
  {
    retryIntervalDivisor: 50,
    scheduleRateDivisor: 200,
    functionEnvironment: { TRANSFER_RESERVATION_SECONDS: String(RESERVATION_SECONDS) },
  },
);

const table = (participant: string) => local.cloud.resources.find(`${participant}/Table`, 'table').name;
const dynamodb = () => engineClients(local.cloud).dynamodb;

async function balances(from: string, to: string) {
  const debit = await getItem(dynamodb(), table('DebitAccounts'), `ACCOUNT#${from}`, 'BALANCE');
  const credit = await getItem(dynamodb(), table('CreditAccounts'), `ACCOUNT#${to}`, 'BALANCE');
  return {
    balance: Number(debit?.balance?.N),
    held: Number(debit?.held?.N),
    credited: Number(credit?.balance?.N),
    pendingCredit: Number(credit?.pendingCredit?.N ?? 0),
  };
}

const transfer = async (transferId: string, fromAccount: string, toAccount: string, amount: number) => {
  const machine = local.cloud.resources.find('Transfer', 'stateMachine');
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: machine.arn,
    name: transferId,
    input: JSON.stringify({ transferId, fromAccount, toAccount, amount }),
  })) as { executionArn: string };
  return { executionArn, done: await waitForExecution(local.cloud, executionArn) };
};

describe('Transfer TCC on the local cloud', () => {
  beforeAll(async () => {
    for (const account of ['alice', 'carol', 'dave']) {
      await dynamodb().send(
        new PutItemCommand({
          TableName: table('DebitAccounts'),
          Item: {
            pk: { S: `ACCOUNT#${account}` },
            sk: { S: 'BALANCE' },
            balance: { N: '1000' },
            held: { N: '0' },
          },
        }),
      );
      await dynamodb().send(
        new PutItemCommand({
          TableName: table('CreditAccounts'),
          Item: { pk: { S: `ACCOUNT#${account}-payee` }, sk: { S: 'BALANCE' }, balance: { N: '0' } },
        }),
      );
    }
  });

  it('moves the money: Try both, Confirm both, in 2N + 3 = 7 state transitions', async () => {
    const { executionArn, done } = await transfer('transfer-ok-1', 'alice', 'alice-payee', 300);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}').results).toEqual({
      Debit: { account: 'alice', held: 300 },
      Credit: { account: 'alice-payee', pending: 300 },
    });
    expect(await balances('alice', 'alice-payee')).toEqual({
      balance: 700,
      held: 0,
      credited: 300,
      pendingCredit: 0,
    });
    const entered = (await historyOf(local.cloud, executionArn)).filter((e) =>
      e.type.endsWith('StateEntered'),
    );
    expect(entered).toHaveLength(7);
  });

  it('cancels both services when the debit hold is refused, conserving the money', async () => {
    const { done } = await transfer('transfer-overdraw-1', 'carol', 'carol-payee', 5_000);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCancelled');
    expect(JSON.parse(done.cause ?? '{}')).toMatchObject({ Try: { Error: 'SagaBusinessError' } });
    expect(await balances('carol', 'carol-payee')).toEqual({
      balance: 1000,
      held: 0,
      credited: 0,
      pendingCredit: 0,
    });
    const debitCancel = await getItem(
      dynamodb(),
      table('DebitAccounts'),
      'BARRIER#Transfer#transfer-overdraw-1',
      'Debit#cancel',
    );
    expect(debitCancel?.status?.S).toBe('empty');
    const creditCancel = await getItem(
      dynamodb(),
      table('CreditAccounts'),
      'BARRIER#Transfer#transfer-overdraw-1',
      'Credit#cancel',
    );
    expect(creditCancel?.status?.S).toBe('committed');
  });

  it('runs both reservation sweepers on their schedule', () => {
    for (const sweeper of ['DebitSweeper', 'CreditSweeper']) {
      expect(local.cloud.resources.find(`${sweeper}/Schedule`, 'eventRule').eventRule).toEqual({
        trigger: 'rate(5 minutes)',
        localPeriodMs: 1_500,
      });
    }
  });

  it('releases an orphaned hold on the scheduled sweep once its deadline passed', async () => {
    const debitFunction = local.cloud.resources.find('DebitAccounts/Function', 'function').name;
    const invoke = async (request: ParticipantRequest) => {
      const out = (await local.cloud.lambda.call('Invoke', {
        FunctionName: debitFunction,
        Payload: JSON.stringify(request),
      })) as { FunctionError?: string; Payload?: string };
      const payload = JSON.parse(out.Payload ?? 'null');
      if (out.FunctionError)
        throw Object.assign(new Error(payload.errorMessage), { name: payload.errorType });
      return payload;
    };
    const input = { transferId: 'orphan-1', fromAccount: 'dave', toAccount: 'dave-payee', amount: 250 };
    // A Try whose coordinator never comes back.
    const triedAt = Date.now();
    await invoke({
      sagaId: 'orphan-1',
      sagaName: 'Transfer',
      step: 'Debit',
      phase: 'try',
      action: 'hold',
      input,
      results: {},
    });
    expect((await balances('dave', 'dave-payee')).held).toBe(250);

    // The debit sweeper, on its own schedule, invokes the service's cancel phase for the hold.
    const cancelled = await eventually(
      async () => {
        const barrier = await getItem(
          dynamodb(),
          table('DebitAccounts'),
          'BARRIER#Transfer#orphan-1',
          'Debit#cancel',
        );
        return barrier?.status?.S === 'committed' ? barrier : undefined;
      },
      15_000,
      'the scheduled sweep to cancel the orphaned hold',
    );
    expect(cancelled.action?.S).toBe('release');
    // Not before the deadline: the sweeper leaves a live reservation alone.
    expect(Date.parse(cancelled.committedAt?.S ?? '')).toBeGreaterThanOrEqual(
      triedAt + RESERVATION_SECONDS * 1_000,
    );
    expect(await balances('dave', 'dave-payee')).toMatchObject({ balance: 1000, held: 0 });

    const lateConfirm = invoke({
      sagaId: 'orphan-1',
      sagaName: 'Transfer',
      step: 'Debit',
      phase: 'confirm',
      action: 'settle',
      input,
      results: {},
    });
    await expect(lateConfirm).rejects.toMatchObject({ name: 'SagaActionRefused' });
  });
});
