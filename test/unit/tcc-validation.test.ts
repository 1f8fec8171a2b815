import { App, Duration, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  type TccParticipant,
  TccTransaction,
  type TccTransactionProps,
} from '../../infra/constructs/tcc/index.js';
import { inlineFunction } from './saga-fixtures.js';

function synth(
  participants: (stack: Stack) => TccParticipant[],
  props: Omit<TccTransactionProps, 'participants'> = {},
): () => TccTransaction {
  return () => {
    const stack = new Stack(new App(), 'V');
    return new TccTransaction(stack, 'Transfer', { ...props, participants: participants(stack) });
  };
}

const one =
  (name: string, extra: Partial<TccParticipant> = {}) =>
  (stack: Stack) => [{ name, participant: inlineFunction(stack, 'Fn'), ...extra }];

describe('TccTransaction validation at synth', () => {
  it('refuses a transaction without participants', () => {
    expect(synth(() => [])).toThrow(
      'TccTransaction "Transfer" has no participants. Declare at least one in `participants`, each with a name and a participant.',
    );
  });

  it('refuses two participants with the same name', () => {
    expect(
      synth((stack) => [
        { name: 'Debit', participant: inlineFunction(stack, 'A') },
        { name: 'Debit', participant: inlineFunction(stack, 'B') },
      ]),
    ).toThrow(
      'TccTransaction "Transfer", participant "Debit": the name is used by another participant; each participant\'s barrier, result and states are keyed by it. Rename one of them.',
    );
  });

  it('refuses a participant name a state name cannot hold', () => {
    expect(synth(one('Debit account'))).toThrow(
      `TccTransaction "Transfer", participant "Debit account": the name contains " ", which a participant name cannot contain (no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ \` $ & , ; : / '). Use letters, digits, '-' and '_', e.g. "Debit".`,
    );
    expect(synth(one(''))).toThrow(
      'TccTransaction "Transfer": a participant has an empty name. Give every participant a name, e.g. "Debit".',
    );
  });

  it('refuses a participant name whose longest state name passes 80 characters', () => {
    const name = 'A'.repeat(73);
    expect(synth(one(name))).toThrow(
      `TccTransaction "Transfer", participant "${name}": the state name "Confirm ${name}" is 81 characters long; Step Functions allows 80. Shorten the participant name to at most 72 characters.`,
    );
    expect(synth(one('A'.repeat(72)))).not.toThrow();
  });

  it('refuses an empty handler name', () => {
    expect(synth(one('Debit', { confirm: '' }))).toThrow(
      'TccTransaction "Transfer", participant "Debit": `confirm` is empty. Name the participant\'s tcc.confirm handler, or omit it to use "confirm".',
    );
  });

  it('refuses an invalid transaction name', () => {
    expect(synth(one('Debit'), { transactionName: 'money/transfer' })).toThrow(
      `TccTransaction name "money/transfer" contains "/", which a state machine name cannot contain (no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ \` $ & , ; : / '). Pass a \`transactionName\` of letters, digits, '-' and '_'.`,
    );
  });

  it('refuses out-of-range retry values, naming the field', () => {
    expect(synth(one('Debit', { tryRetry: { attempts: -1 } }))).toThrow(
      'TccTransaction "Transfer", participant "Debit": `tryRetry.attempts` must be a whole number from 0 to 99999999 (got -1). Use 0 to disable retries.',
    );
    expect(synth(one('Debit'), { confirmRetry: { backoffRate: 0.5 } })).toThrow(
      'TccTransaction "Transfer": `confirmRetry.backoffRate` must be at least 1 (got 0.5). Use 1 for a constant wait or 2 to double it each retry.',
    );
    expect(synth(one('Debit'), { cancelRetry: { interval: Duration.millis(500) } })).toThrow(
      'TccTransaction "Transfer": `cancelRetry.interval` must be a whole number of seconds from 1 to 99999999 (got a fraction of a second). Use e.g. Duration.seconds(1).',
    );
    expect(synth(one('Debit', { timeout: Duration.seconds(0) }))).toThrow(
      'TccTransaction "Transfer", participant "Debit": `timeout` must be a whole number of seconds from 1 to 99999999 (got 0 s). Use e.g. Duration.seconds(30).',
    );
  });

  it('refuses an Express transaction whose timeout or worst case passes five minutes', () => {
    expect(synth(one('Debit'), { type: 'EXPRESS', timeout: Duration.minutes(6) })).toThrow(
      'TccTransaction "Transfer": an Express transaction runs at most 300 s, but `timeout` is 360 s. Lower `timeout` or use `type: \'STANDARD\'`.',
    );
    // 15 s per attempt: Try 4 x 15 + 7 s of waits, Cancel 7 x 15 + 122 s, park 4 x 10 + 7 s = 341 s.
    expect(synth(one('Debit', { timeout: Duration.seconds(15) }), { type: 'EXPRESS' })).toThrow(
      'TccTransaction "Transfer": an Express transaction runs at most 300 s, but its worst case (every attempt timing out, every retry wait at its longest, then every Confirm or Cancel) takes 341 s; cut off, it would neither confirm, cancel nor park. Lower participant timeouts and retry budgets, or use `type: \'STANDARD\'`.',
    );
    expect(
      synth(one('Debit'), { type: 'EXPRESS', confirmRetry: { attempts: 3 }, cancelRetry: { attempts: 3 } }),
    ).not.toThrow();
  });

  it('refuses a Standard transaction whose worst case passes the 25,000 history events', () => {
    expect(synth(one('Debit'), { confirmRetry: { attempts: 10_000 } })).toThrow(
      'TccTransaction "Transfer": its worst-case execution writes 30051 history events (every Try, Confirm and Cancel retry used), over Step Functions\' limit of 25000. Lower `tryRetry.attempts`, `confirmRetry.attempts` or `cancelRetry.attempts`, or split the transaction.',
    );
  });

  it('refuses a participant whose barriers expire before the redrive window closes', () => {
    const withRetention = (days: number) =>
      synth((stack) => [
        {
          name: 'Debit',
          participant: {
            function: inlineFunction(stack, 'Fn'),
            participantName: 'Accounts',
            barrierRetentionDays: days,
          },
        },
      ]);
    expect(withRetention(10)).toThrow(
      /^TccTransaction "Transfer": participant "Accounts" \(as "Debit"\) keeps its barriers 10 days, but the saga can still deliver its phases 15 days after starting: .* Set `barrierRetentionDays` of "Accounts" to at least 15,/,
    );
    expect(withRetention(15)).not.toThrow();
  });
});
