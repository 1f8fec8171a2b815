import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Saga, type SagaProps, type SagaStep } from '../../infra/constructs/saga/index.js';
import { type AslDefinition, definitionFromTemplate } from './saga-local-harness.js';

/** A function that is never bundled or run: the tests map every Task to a local handler. */
export function inlineFunction(stack: Stack, id: string, timeout = Duration.seconds(5)): lambda.Function {
  return new lambda.Function(stack, id, {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({});'),
    timeout,
  });
}

export interface BuiltSaga {
  readonly stack: Stack;
  readonly saga: Saga;
  readonly template: Template;
  readonly definition: AslDefinition;
}

export function buildSaga(
  props: Omit<SagaProps, 'steps'> & { steps: (stack: Stack) => SagaProps['steps'] },
  id = 'Trip',
): BuiltSaga {
  const stack = new Stack(new App(), 'SagaTest');
  const saga = new Saga(stack, id, { ...props, steps: props.steps(stack) });
  const template = Template.fromStack(stack);
  return { stack, saga, template, definition: definitionFromTemplate(template) };
}

/** Book a trip: two compensatable steps, a pivot, a retriable step. */
export function tripSteps(stack: Stack): SagaStep[] {
  return [
    {
      name: 'BookHotel',
      participant: inlineFunction(stack, 'Hotel'),
      action: 'book',
      compensation: 'cancel',
    },
    {
      name: 'BookFlight',
      participant: inlineFunction(stack, 'Flight'),
      action: 'book',
      compensation: 'cancel',
    },
    { name: 'ChargeCard', participant: inlineFunction(stack, 'Card'), action: 'charge', kind: 'pivot' },
    { name: 'SendItinerary', participant: inlineFunction(stack, 'Mail'), action: 'send' },
  ];
}
