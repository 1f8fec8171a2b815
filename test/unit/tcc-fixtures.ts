import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  type TccParticipant,
  TccTransaction,
  type TccTransactionProps,
} from '../../infra/constructs/tcc/index.js';
import { inlineFunction } from './saga-fixtures.js';
import { type AslDefinition, definitionFromTemplate } from './saga-local-harness.js';

export interface BuiltTcc {
  readonly stack: Stack;
  readonly tcc: TccTransaction;
  readonly template: Template;
  readonly definition: AslDefinition;
}

export function buildTcc(
  props: Omit<TccTransactionProps, 'participants'> & { participants: (stack: Stack) => TccParticipant[] },
  id = 'Transfer',
): BuiltTcc {
  const stack = new Stack(new App(), 'TccTest');
  const tcc = new TccTransaction(stack, id, { ...props, participants: props.participants(stack) });
  const template = Template.fromStack(stack);
  return { stack, tcc, template, definition: definitionFromTemplate(template) };
}

/** A transfer between two account services plus a fee ledger, to show N-way fan-out. */
export function transferParticipants(stack: Stack): TccParticipant[] {
  return [
    {
      name: 'Debit',
      participant: inlineFunction(stack, 'DebitFn'),
      try: 'hold',
      confirm: 'settle',
      cancel: 'release',
    },
    { name: 'Credit', participant: inlineFunction(stack, 'CreditFn') },
    { name: 'Fees', participant: inlineFunction(stack, 'FeesFn'), try: 'reserveFee' },
  ];
}
