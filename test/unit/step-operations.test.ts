import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { Participant } from '../../infra/constructs/participant/index.js';
import type {
  IParticipant,
  ParticipantOperations,
} from '../../infra/constructs/participant/participant-ref.js';
import { Saga } from '../../infra/constructs/saga/index.js';
import { TccTransaction } from '../../infra/constructs/tcc/index.js';
import { inlineFunction } from './saga-fixtures.js';

function participant(stack: Stack, name: string, operations?: ParticipantOperations): IParticipant {
  return {
    function: inlineFunction(stack, name),
    participantName: name,
    ...(operations ? { operations } : {}),
  };
}

describe('saga steps checked against the operations their participants declare', () => {
  it('refuses a step whose action the participant does not offer, naming saga, step, action and the actions that exist', () => {
    const stack = new Stack(new App(), 'Ops');
    const hotel = participant(stack, 'Hotel', { actions: ['book', 'hold'], compensations: ['cancel'] });
    expect(
      () =>
        new Saga(stack, 'Trip', {
          steps: [{ name: 'BookHotel', participant: hotel, action: 'bok', compensation: 'cancel' }],
        }),
    ).toThrow(
      'Saga "Trip", step "BookHotel": action "bok" is not offered by participant "Hotel": the participant has no action "bok"; its actions are: book, hold.',
    );
  });

  it('refuses a compensation the participant does not offer', () => {
    const stack = new Stack(new App(), 'Ops');
    const hotel = participant(stack, 'Hotel', { actions: ['book'], compensations: [] });
    expect(
      () =>
        new Saga(stack, 'Trip', {
          steps: [{ name: 'BookHotel', participant: hotel, action: 'book', compensation: 'cancel' }],
        }),
    ).toThrow(
      /compensation "cancel" is not offered by participant "Hotel": the participant declares no compensations/,
    );
  });

  it('accepts declared operations, and does not check participants that declare none', () => {
    const stack = new Stack(new App(), 'Ops');
    const hotel = participant(stack, 'Hotel', { actions: ['book'], compensations: ['cancel'] });
    const flight = participant(stack, 'Flight');
    expect(
      () =>
        new Saga(stack, 'Trip', {
          steps: [
            { name: 'BookHotel', participant: hotel, action: 'book', compensation: 'cancel' },
            { name: 'BookFlight', participant: flight, action: 'anything', kind: 'pivot' },
          ],
        }),
    ).not.toThrow();
  });

  it('refuses a TCC phase handler the participant does not offer', () => {
    const stack = new Stack(new App(), 'Ops');
    const debit = participant(stack, 'Debit', { try: ['hold'], confirm: ['settle'], cancel: ['release'] });
    expect(
      () =>
        new TccTransaction(stack, 'Transfer', {
          participants: [
            { name: 'Debit', participant: debit, try: 'hold', confirm: 'setle', cancel: 'release' },
          ],
        }),
    ).toThrow(
      'TccTransaction "Transfer", participant "Debit": confirm handler "setle" is not offered by participant "Debit": the participant has no confirm handler "setle"; its confirm handlers are: settle.',
    );
  });

  it('refuses a Participant whose declared names cannot be handler keys or repeat', () => {
    const stack = new Stack(new App(), 'Ops');
    expect(() => new Participant(stack, 'Hotel', { entry: 'unused.ts', actions: ['book', 'book'] })).toThrow(
      'Participant "Hotel": `actions` lists "book" twice; list each name once.',
    );
    expect(() => new Participant(stack, 'Flight', { entry: 'unused.ts', compensations: ['un do'] })).toThrow(
      /Participant "Flight": `compensations` holds "un do", which is not an operation name/,
    );
  });
});
