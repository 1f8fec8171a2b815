import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Participant, ReservationSweeper, TccTransaction } from 'stepsaga';

const accounts = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'functions',
  'examples',
  'accounts',
);

/**
 * The example money transfer as a TCC transaction between two account services. Try holds the
 * amount on the debit side and records a pending credit on the credit side; Confirm moves the
 * money; any failed Try cancels both; a reservation nobody settles within its deadline (15 minutes,
 * see functions/examples/accounts/reservation-deadline.ts) is cancelled by a sweeper. Input: `{ transferId, fromAccount, toAccount, amount }`,
 * amount in integer cents.
 */
export class TransferStack extends Stack {
  public readonly debit: Participant;
  public readonly credit: Participant;
  public readonly transfer: TccTransaction;
  /** Cancel holds and pending credits whose transaction never confirmed or cancelled them. */
  public readonly debitSweeper: ReservationSweeper;
  public readonly creditSweeper: ReservationSweeper;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.debit = new Participant(this, 'DebitAccounts', {
      entry: path.join(accounts, 'debit-handler.ts'),
      tcc: { try: ['hold'], confirm: ['settle'], cancel: ['release'] },
    });
    this.credit = new Participant(this, 'CreditAccounts', {
      entry: path.join(accounts, 'credit-handler.ts'),
      tcc: { try: ['recordPending'], confirm: ['apply'], cancel: ['drop'] },
    });
    this.debitSweeper = new ReservationSweeper(this, 'DebitSweeper', { participant: this.debit });
    this.creditSweeper = new ReservationSweeper(this, 'CreditSweeper', { participant: this.credit });

    this.transfer = new TccTransaction(this, 'Transfer', {
      participants: [
        { name: 'Debit', participant: this.debit, try: 'hold', confirm: 'settle', cancel: 'release' },
        { name: 'Credit', participant: this.credit, try: 'recordPending', confirm: 'apply', cancel: 'drop' },
      ],
    });
  }
}
