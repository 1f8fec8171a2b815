import { createHash } from 'node:crypto';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ErrorNames } from '../../functions/runtime/errors.js';
import { Saga, type SagaProps } from '../../infra/constructs/saga/index.js';
import { unacknowledgedFindings } from '../support/cdk-nag.js';
import { inlineFunction } from './saga-fixtures.js';
import { definitionFromTemplate, type JSONValue, runSaga, type SagaRun } from './saga-local-harness.js';

/** A parent saga (Reserve, RentCar as a child saga undone by ReturnCar, ChargeCard) and its children. */
function build(parentSteps?: (children: { rent: Saga; giveBack: Saga }, stack: Stack) => SagaProps['steps']) {
  const stack = new Stack(new App(), 'ChildTest');
  const rent = new Saga(stack, 'RentCar', {
    steps: [{ name: 'Rent', participant: inlineFunction(stack, 'Cars'), action: 'rent', kind: 'pivot' }],
  });
  const giveBack = new Saga(stack, 'ReturnCar', {
    steps: [
      { name: 'Return', participant: inlineFunction(stack, 'Returns'), action: 'return', kind: 'pivot' },
    ],
  });
  const steps =
    parentSteps?.({ rent, giveBack }, stack) ??
    ([
      {
        name: 'Reserve',
        participant: inlineFunction(stack, 'Stock'),
        action: 'reserve',
        compensation: 'release',
      },
      { name: 'RentCar', childSaga: rent, compensationSaga: giveBack },
      { name: 'ChargeCard', participant: inlineFunction(stack, 'Card'), action: 'charge', kind: 'pivot' },
    ] satisfies SagaProps['steps']);
  const trip = new Saga(stack, 'Trip', { steps });
  const template = Template.fromStack(stack);
  return { stack, trip, template, definition: definitionFromTemplate(template, 'Trip') };
}

const built = build();
const { definition } = built;
const input = { tripId: 't-1', amount: 300 };
const states = (run: SagaRun) => run.invocations.map((i) => i.state);
const childName = (parent: string, step: string) =>
  createHash('sha256').update(`${parent}/${step}`).digest('hex');
const childAnswer = (results: Record<string, JSONValue>) => (): JSONValue => ({
  ExecutionArn: 'arn:aws:states:us-east-1:123456789012:execution:RentCar:x',
  Status: 'SUCCEEDED',
  Output: { ...input, results },
});
const named = (name: string, message: string) => () => {
  throw Object.assign(new Error(message), { name });
};

describe('Child saga steps on the local interpreter', () => {
  it("starts the child with the parent's input under a name derived from the parent's id and the step", async () => {
    const run = await runSaga(definition, input, {
      executionName: 'trip-t-1',
      behaviours: { RentCar: childAnswer({ Rent: { car: 'C-9' } }) },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(states(run)).toEqual(['Reserve', 'RentCar', 'ChargeCard']);
    const start = run.invocations[1]!.request as unknown as Record<string, unknown>;
    expect(start).toEqual({
      StateMachineArn: expect.stringContaining('RentCar'),
      Name: childName('trip-t-1', 'RentCar'),
      Input: input,
    });
    expect((run.output as { results: Record<string, unknown> }).results['RentCar']).toEqual({
      executionArn: 'arn:aws:states:us-east-1:123456789012:execution:RentCar:x',
      results: { Rent: { car: 'C-9' } },
    });
  });

  it('starts the child under the same name on a retried start, so Step Functions runs one child', async () => {
    const run = await runSaga(definition, input, {
      executionName: 'trip-t-2',
      behaviours: {
        RentCar: (_request, attempt) => {
          if (attempt === 1) named('StepFunctions.SdkClientException', 'connection reset')();
          return childAnswer({ Rent: {} })();
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    const names = run.invocations
      .filter((i) => i.state === 'RentCar')
      .map((i) => (i.request as unknown as { Name: string }).Name);
    expect(names).toEqual([childName('trip-t-2', 'RentCar'), childName('trip-t-2', 'RentCar')]);
  });

  it('compensates only the steps before a child that ended failed (it compensated itself)', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { RentCar: named('States.TaskFailed', '{"Status":"FAILED","Error":"SagaCompensated"}') },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(states(run)).toEqual(['Reserve', 'RentCar', 'Compensate Reserve']);
  });

  it('runs the compensation saga for the child, named after it, when a later step refuses', async () => {
    const run = await runSaga(definition, input, {
      executionName: 'trip-t-3',
      behaviours: {
        RentCar: childAnswer({ Rent: {} }),
        ChargeCard: named(ErrorNames.business, 'declined'),
      },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(states(run)).toEqual([
      'Reserve',
      'RentCar',
      'ChargeCard',
      'Compensate RentCar',
      'Compensate Reserve',
    ]);
    const undo = run.invocations[3]!.request as unknown as Record<string, unknown>;
    expect(undo).toEqual({
      StateMachineArn: expect.stringContaining('ReturnCar'),
      Name: `${childName('trip-t-3', 'RentCar')}-undo`,
      Input: { childSagaId: childName('trip-t-3', 'RentCar'), input },
    });
  });

  it('compensates the child as a unit when it already ended and cannot be started again', async () => {
    const run = await runSaga(definition, input, {
      behaviours: { RentCar: named('StepFunctions.ExecutionAlreadyExists', 'Execution Already Exists') },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(states(run)).toEqual(['Reserve', 'RentCar', 'Compensate RentCar', 'Compensate Reserve']);
  });
});

describe('Child saga steps at synth', () => {
  it('grants StartExecution on the child and its compensation saga, and .sync:2 what it needs, on exact ARNs', () => {
    const policies = built.template.findResources('AWS::IAM::Policy');
    const parent = Object.entries(policies).find(([id]) => id.startsWith('TripRole'))![1];
    const statements = JSON.stringify(parent['Properties']['PolicyDocument']['Statement']);
    expect(statements).toContain('"states:StartExecution"');
    expect(statements).toContain('"Ref":"RentCar');
    expect(statements).toContain('"Ref":"ReturnCar');
    expect(statements).toContain(':execution:RentCar:*');
    expect(statements).toContain(':execution:ReturnCar:*');
    expect(statements).toContain('rule/StepFunctionsGetEventsForStepFunctionsExecutionRule');
    const sfnAndEvents = (
      parent['Properties']['PolicyDocument']['Statement'] as { Action: unknown; Resource: unknown }[]
    )
      .filter((s) => JSON.stringify(s.Action).match(/states:|events:/))
      .map((s) => s.Resource);
    expect(sfnAndEvents).toHaveLength(3);
    expect(JSON.stringify(sfnAndEvents)).not.toContain('"*"');
    // The inline stand-in functions have findings of their own; the sagas must have none.
    const sagaFindings = unacknowledgedFindings(built.stack).filter((f) =>
      /ChildTest\/(Trip|RentCar|ReturnCar)\//.test(f),
    );
    expect(sagaFindings).toEqual([]);
  });

  it('refuses a compensatable child step without a compensation saga', () => {
    expect(() =>
      build(({ rent }, stack) => [
        {
          name: 'Reserve',
          participant: inlineFunction(stack, 'Stock'),
          action: 'reserve',
          compensation: 'release',
        },
        { name: 'RentCar', childSaga: rent, kind: 'compensatable' },
        { name: 'ChargeCard', participant: inlineFunction(stack, 'Card'), action: 'charge', kind: 'pivot' },
      ]),
    ).toThrow(
      'Saga "Trip", step "RentCar": a compensatable child step needs a `compensationSaga` that undoes the child "RentCar" when a later step fails. Add `compensationSaga`, or declare the step \'pivot\' or \'retriable\'.',
    );
  });

  it('refuses a compensation saga on a pivot child step', () => {
    expect(() =>
      build(({ rent, giveBack }) => [
        { name: 'RentCar', childSaga: rent, compensationSaga: giveBack, kind: 'pivot' },
      ]),
    ).toThrow(
      'Saga "Trip", step "RentCar": a pivot step is never compensated, so its compensationSaga "ReturnCar" would never run.',
    );
  });
});
