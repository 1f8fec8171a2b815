import { App, Duration, Lazy, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { Saga, type SagaProps, type SagaStep } from '../../infra/constructs/saga/index.js';
import { inlineFunction } from './saga-fixtures.js';

type StepSpec = Omit<SagaStep, 'participant'>;

function build(steps: StepSpec[], props: Omit<SagaProps, 'steps'> = {}): Saga {
  const stack = new Stack(new App(), 'ValidationTest');
  const fn = inlineFunction(stack, 'Fn');
  return new Saga(stack, 'Trip', { ...props, steps: steps.map((s) => ({ ...s, participant: fn })) });
}

const comp = (name: string): StepSpec => ({ name, action: 'do', compensation: 'undo' });
const pivot = (name: string): StepSpec => ({ name, action: 'do', kind: 'pivot' });
const retriable = (name: string): StepSpec => ({ name, action: 'do', kind: 'retriable' });

describe('Saga validation at synth', () => {
  it('refuses a saga without steps', () => {
    expect(() => build([])).toThrow('Saga "Trip" has no steps. Declare at least one step in `steps`.');
  });

  it('refuses duplicate step names', () => {
    expect(() => build([comp('Book'), comp('Book')])).toThrow(
      'Saga "Trip", step "Book": the name is used by another step; state names must be unique. Rename one of the steps.',
    );
  });

  it('refuses characters Step Functions forbids in names', () => {
    expect(() => build([comp('Book:Hotel')])).toThrow(
      `Saga "Trip", step "Book:Hotel": the name contains ":", which a step name cannot contain (no whitespace, brackets, wildcards or any of " # % \\ ^ | ~ \` $ & , ; : / '). Use letters, digits, '-' and '_', e.g. "ReserveInventory".`,
    );
    expect(() => build([comp('Book Hotel')])).toThrow('the name contains " "');
  });

  it('refuses a name whose decision state would exceed 80 characters', () => {
    const name = 'A'.repeat(63);
    expect(() => build([comp(name)])).toThrow(
      `Saga "Trip", step "${name}": the state name "Decide Compensate ${name}" is 81 characters long; Step Functions allows 80 (the operator's decision state adds the 7-character prefix "Decide ", the compensation state the 11-character prefix "Compensate "). Shorten the step name.`,
    );
    expect(() => build([comp('Book'), pivot(name)])).not.toThrow();
    const long = 'A'.repeat(74);
    expect(() => build([comp('Book'), pivot(long)])).toThrow(
      `Saga "Trip", step "${long}": the state name "Decide ${long}" is 81 characters long; Step Functions allows 80 (the operator's decision state adds the 7-character prefix "Decide "). Shorten the step name.`,
    );
  });

  it('refuses step names reserved for generated states', () => {
    expect(() => build([comp('Book'), pivot('SagaParked')])).toThrow(
      'Saga "Trip", step "SagaParked": the name is reserved for a state the saga generates ("Validate input", "SagaSucceeded", "SagaCompensated", "SagaParked", "SagaInputInvalid", "Record input refusal", "Input refused", or names starting with "Compensate"). Rename the step.',
    );
  });

  it('refuses a compensatable step without a compensation, saying how to declare it otherwise', () => {
    expect(() => build([{ name: 'Book', action: 'book' }, pivot('Pay')])).toThrow(
      `Saga "Trip", step "Book": the step has no compensation, so it is compensatable without a way to undo it. Add \`compensation\`, or declare \`kind: 'pivot'\` (the point of no return) or \`kind: 'retriable'\` (after the pivot).`,
    );
    expect(() => build([{ name: 'Book', action: 'book', kind: 'compensatable' }])).toThrow(
      `Saga "Trip", step "Book": a compensatable step needs a compensation (got none). Add \`compensation\`, or declare the step 'pivot' or 'retriable'.`,
    );
  });

  it('refuses a compensation on a retriable step', () => {
    expect(() =>
      build([pivot('Pay'), { name: 'Mail', action: 'send', compensation: 'unsend', kind: 'retriable' }]),
    ).toThrow(
      `Saga "Trip", step "Mail": a retriable step never triggers compensation, so its compensation "unsend" would never run. Remove \`compensation\`, or declare the step 'compensatable' before the pivot.`,
    );
  });

  it('refuses a compensation on the pivot', () => {
    expect(() =>
      build([comp('Book'), { name: 'Pay', action: 'pay', compensation: 'refund', kind: 'pivot' }]),
    ).toThrow(
      `Saga "Trip", step "Pay": the pivot is the point of no return, so its compensation "refund" would never run. Remove \`compensation\`, or declare the step 'compensatable' and pick another pivot.`,
    );
  });

  it('refuses more than one pivot', () => {
    expect(() => build([pivot('Pay'), pivot('Ship')])).toThrow(
      `Saga "Trip" declares 2 pivot steps ("Pay", "Ship"); a saga has at most one point of no return. Keep one pivot; make earlier ones 'compensatable' and later ones 'retriable'.`,
    );
  });

  it('refuses a compensatable step after the pivot', () => {
    expect(() => build([pivot('Pay'), comp('Book')])).toThrow(
      `Saga "Trip", step "Book": a compensatable step cannot follow the pivot "Pay" (step 2 after step 1); nothing after the point of no return is compensated. Move it before the pivot, or make it 'retriable' without a compensation.`,
    );
  });

  it('refuses a retriable step before the pivot', () => {
    expect(() => build([comp('Book'), retriable('Mail'), pivot('Pay')])).toThrow(
      `Saga "Trip", step "Mail": a retriable step must come after the pivot, but pivot step "Pay" follows it. Move "Mail" after the pivot, or make it compensatable with a compensation.`,
    );
  });

  it('refuses retry values Step Functions rejects', () => {
    const withRetry = (retry: SagaStep['retry']) => () => build([{ ...comp('Book'), retry }]);
    expect(withRetry({ attempts: -1 })).toThrow(
      'Saga "Trip", step "Book": `retry.attempts` must be a whole number from 0 to 99999999 (got -1). Use 0 to disable retries.',
    );
    expect(withRetry({ attempts: 1.5 })).toThrow(
      '`retry.attempts` must be a whole number from 0 to 99999999 (got 1.5)',
    );
    expect(withRetry({ interval: Duration.millis(1500) })).toThrow(
      'Saga "Trip", step "Book": `retry.interval` must be a whole number of seconds from 1 to 99999999 (got a fraction of a second). Use e.g. Duration.seconds(1).',
    );
    expect(withRetry({ interval: Duration.seconds(0) })).toThrow(
      '`retry.interval` must be a whole number of seconds from 1 to 99999999 (got 0 s)',
    );
    expect(withRetry({ backoffRate: 0.5 })).toThrow(
      'Saga "Trip", step "Book": `retry.backoffRate` must be at least 1 (got 0.5). Use 1 for a constant wait or 2 to double it each retry.',
    );
    expect(withRetry({ maxDelay: Duration.days(366) })).toThrow(
      'Saga "Trip", step "Book": `retry.maxDelay` must be a whole number of seconds from 1 to 31622399 (got 31622400 s). Use e.g. Duration.seconds(30).',
    );
    expect(() => build([comp('Book')], { compensationRetry: { backoffRate: 0 } })).toThrow(
      'Saga "Trip": `compensationRetry.backoffRate` must be at least 1 (got 0).',
    );
  });

  it('refuses a step timeout that is not a whole number of seconds', () => {
    expect(() => build([{ ...comp('Book'), timeout: Duration.millis(2500) }])).toThrow(
      'Saga "Trip", step "Book": `timeout` must be a whole number of seconds from 1 to 99999999 (got a fraction of a second). Use e.g. Duration.seconds(30).',
    );
  });

  it('refuses an Express saga whose timeout or worst case exceeds five minutes', () => {
    expect(() =>
      build([{ ...comp('Book'), retry: { attempts: 0 } }], {
        type: 'EXPRESS',
        timeout: Duration.minutes(10),
        compensationRetry: { attempts: 0 },
      }),
    ).toThrow(
      `Saga "Trip": an Express saga runs at most 300 s, but \`timeout\` is 600 s. Lower \`timeout\` or use \`type: 'STANDARD'\`.`,
    );
    // Book: 4 attempts x 10 s + waits 1+2+4 = 47 s; its compensation: 7 x 10 s + waits 2+4+8+16+32+60 = 192 s;
    // park: 4 x 10 s + waits 1+2+4 = 47 s. Total 286 s fits; a second compensatable step does not.
    expect(() => build([comp('Book')], { type: 'EXPRESS' })).not.toThrow();
    expect(() => build([comp('Book'), comp('Fly')], { type: 'EXPRESS' })).toThrow(
      `Saga "Trip": an Express saga runs at most 300 s, but its worst case (every attempt timing out, every retry wait at its longest, then every compensation) takes 525 s; cut off, it would neither compensate nor park. Lower step timeouts and retry budgets, or use \`type: 'STANDARD'\`.`,
    );
  });

  it('refuses a Standard saga whose worst-case history exceeds 25,000 events', () => {
    // Worst path: 2 execution events + Book (2 + 3 x 4201) + Compensate Book (2 + 3 x 4201)
    // + Park Compensate Book (2 + 4 x 4) + Decide Compensate Book (2) + SagaParked (2) = 25234;
    // with 4000 retries each it is 24034.
    expect(() =>
      build([{ ...comp('Book'), retry: { attempts: 4000 } }], { compensationRetry: { attempts: 4000 } }),
    ).not.toThrow();
    expect(() =>
      build([{ ...comp('Book'), retry: { attempts: 4200 } }], { compensationRetry: { attempts: 4200 } }),
    ).toThrow(
      'Saga "Trip": its worst-case execution writes 25234 history events (every retry and compensation attempt used), over Step Functions\' limit of 25000. Lower `retry.attempts` or `compensationRetry.attempts`, or split the saga.',
    );
  });

  it('skips checks on values that are unresolved tokens', () => {
    const attempts = Lazy.number({ produce: () => 3 });
    expect(() => build([{ ...comp('Book'), retry: { attempts } }])).not.toThrow();
  });

  it('refuses an input schema with reserved or unknown field types', () => {
    expect(() => build([comp('Book')], { inputSchema: { results: 'string' } })).toThrow(
      'Saga "Trip": input field "results" is reserved; the state machine writes step results there. Rename the field.',
    );
    expect(() => build([comp('Book')], { inputSchema: { at: 'date' as never } })).toThrow(
      `Saga "Trip": input field "at" has type "date"; use one of 'string', 'number', 'boolean', 'timestamp'.`,
    );
  });

  it('refuses a saga name a state machine cannot have', () => {
    expect(() => build([comp('Book')], { sagaName: 'Place Order' })).toThrow(
      `Saga name "Place Order" contains " ", which a state machine name cannot contain`,
    );
  });

  describe('barrier retention against how long the saga can still deliver a phase', () => {
    function withRetention(
      days: number,
      props: Omit<SagaProps, 'steps'> = {},
      timeout = Duration.seconds(30),
    ) {
      const stack = new Stack(new App(), 'RetentionTest');
      const hotel = {
        function: inlineFunction(stack, 'Hotel', timeout),
        participantName: 'Hotel',
        barrierRetentionDays: days,
      };
      const card = {
        function: inlineFunction(stack, 'Card'),
        participantName: 'Card',
        barrierRetentionDays: 90,
      };
      return new Saga(stack, 'Trip', {
        ...props,
        steps: [
          { name: 'BookHotel', participant: hotel, action: 'book', compensation: 'cancel' },
          { name: 'ChargeCard', participant: card, action: 'charge', kind: 'pivot' },
        ],
      });
    }

    it('refuses a participant whose barriers expire before the redrive window closes', () => {
      expect(() => withRetention(7)).toThrow(
        'Saga "Trip": participant "Hotel" (step "BookHotel") keeps its barriers 7 days, but the saga can still deliver its phases 15 days after starting: a worst case of 0.01 days (every attempt timing out, every retry wait at its longest, then every compensation and the park) plus Step Functions\' 14-day redrive window, which the parked-sagas queue\'s 14-day retention matches. An expired barrier makes a late compensation undo nothing and lets a replayed action apply again. Set `barrierRetentionDays` of "Hotel" to at least 15, or lower the retry budgets, step timeouts or `timeout`.',
      );
      expect(() => withRetention(14)).toThrow('at least 15');
      expect(() => withRetention(15)).not.toThrow();
    });

    it('counts the retry budgets: days of waiting between compensation attempts need days of retention', () => {
      // 40 compensation retries of up to a day each: about 40 days before the saga parks.
      const patient = {
        compensationRetry: { attempts: 40, interval: Duration.hours(1), maxDelay: Duration.days(1) },
      };
      expect(() => withRetention(30, patient)).toThrow(
        /keeps its barriers 30 days, but the saga can still deliver its phases 5\d days after starting: a worst case of 3\d\.\d days/,
      );
      expect(() => withRetention(60, patient)).not.toThrow();
    });

    it('takes a saga timeout lower than the worst case as the bound', () => {
      const patient = {
        compensationRetry: { attempts: 40, interval: Duration.hours(1), maxDelay: Duration.days(1) },
      };
      expect(() => withRetention(30, { ...patient, timeout: Duration.days(10) })).not.toThrow();
      expect(() => withRetention(20, { ...patient, timeout: Duration.days(10) })).toThrow(
        /a worst case of 10\.0 days \(.*, cut short by `timeout`\) .* to at least 24,/,
      );
    });

    it('passes with the default retention of 30 days for default budgets, even with 15-minute attempts', () => {
      expect(() => withRetention(30, {}, Duration.minutes(15))).not.toThrow();
    });
  });
});
