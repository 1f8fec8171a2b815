import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ErrorNames, TransientError } from '../../functions/runtime/errors.js';
import { checkSagaInput } from '../../functions/runtime/limits.js';
import {
  NotificationChannel,
  NotificationTarget,
} from '../../infra/constructs/notification-channel/index.js';
import {
  DEFAULT_PERSISTENT_RETRY,
  Saga,
  type SagaOutcomeMessage,
  worstCase,
} from '../../infra/constructs/saga/index.js';
import { buildSaga, inlineFunction, tripSteps } from './saga-fixtures.js';
import {
  type Behaviour,
  definitionFromTemplate,
  fakeQueueUrl,
  PARKED_AT,
  runSaga,
  type SagaRun,
} from './saga-local-harness.js';

const input = { tripId: 'trip-7', customerId: 'c-1', amount: 12_300 };
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:Saga:trip-7';

/** Builds the trip saga with its outcome queue created in the same stack. */
function tripWithOutcomes(queueProps: sqs.QueueProps = {}) {
  const stack = new Stack(new App(), 'SagaTest');
  const queue = new sqs.Queue(stack, 'Outcomes', queueProps);
  const saga = new Saga(stack, 'Trip', { steps: tripSteps(stack), outcomes: { queue } });
  const template = Template.fromStack(stack);
  return { stack, queue, saga, template, definition: definitionFromTemplate(template) };
}

const trip = tripWithOutcomes();
const outcomeUrl = fakeQueueUrl(trip.stack.getLogicalId(trip.queue.node.defaultChild as never));
const parkedUrl = fakeQueueUrl(trip.stack.getLogicalId(trip.saga.parkedQueue.node.defaultChild as never));
const states = trip.definition.States;

const fail =
  (error: Error): Behaviour =>
  () => {
    throw error;
  };
const sqsError = (message: string) => Object.assign(new Error(message), { name: 'SQS.SqsException' });
const outcomesOf = (run: SagaRun) => run.sent.filter((m) => m.queueUrl === outcomeUrl);

describe('Saga outcome messages: definition', () => {
  it('publishes each outcome from a sendMessage Task right before the terminal state of the same name', () => {
    expect(states['SendItinerary']!['Next']).toBe('Publish SagaSucceeded');
    expect(states['Compensate BookHotel']!['Next']).toBe('Publish SagaCompensated');
    // Abandoning, a decision timeout and a send that keeps failing all publish SagaParked.
    expect(states['Decide SendItinerary']!['Default']).toBe('Publish SagaParked');
    expect(states['Park SendItinerary']!['Catch']).toEqual([
      {
        ErrorEquals: ['States.ALL'],
        ResultPath: "$.errors['Park SendItinerary']",
        Next: 'Publish SagaParked',
      },
    ]);
    for (const outcome of ['SagaSucceeded', 'SagaCompensated', 'SagaParked']) {
      expect(states[`Publish ${outcome}`]).toMatchObject({
        Type: 'Task',
        Resource: 'arn:aws:states:::sqs:sendMessage',
        ResultPath: null,
        TimeoutSeconds: 10,
        Retry: [
          {
            ErrorEquals: ['States.ALL'],
            IntervalSeconds: 1,
            MaxAttempts: 3,
            BackoffRate: 2,
            MaxDelaySeconds: 10,
            JitterStrategy: 'FULL',
          },
        ],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: `$.errors['Publish ${outcome}']`, Next: outcome }],
        Next: outcome,
      });
    }
  });

  it('sends the outcome, saga id, name, execution ARN, summary and time, with the execution ARN as notification id', () => {
    expect(states['Publish SagaSucceeded']!['Parameters']).toEqual({
      QueueUrl: outcomeUrl,
      MessageBody: {
        type: 'SagaSucceeded',
        'sagaId.$': '$$.Execution.Name',
        sagaName: 'Trip',
        'executionArn.$': '$$.Execution.Id',
        'summary.$': '$.results',
        'time.$': '$$.State.EnteredTime',
      },
      MessageAttributes: {
        notificationId: { DataType: 'String', 'StringValue.$': '$$.Execution.Id' },
        eventType: { DataType: 'String', StringValue: 'SagaSucceeded' },
        sagaId: { DataType: 'String', 'StringValue.$': '$$.Execution.Name' },
      },
    });
    expect(states['Publish SagaCompensated']!['Parameters']).toMatchObject({
      MessageBody: { type: 'SagaCompensated', 'summary.$': '$.errors' },
    });
    expect(states['Publish SagaParked']!['Parameters']).toMatchObject({
      MessageBody: { type: 'SagaParked', 'summary.$': '$.errors' },
    });
  });

  it('generates no publish state without the option, and the park send then catches into SagaParked', () => {
    const plain = buildSaga({ steps: tripSteps }).definition.States;
    expect(Object.keys(plain).filter((name) => name.startsWith('Publish'))).toEqual([]);
    expect(plain['Park SendItinerary']).toMatchObject({
      Catch: [
        { ErrorEquals: ['States.ALL'], ResultPath: "$.errors['Park SendItinerary']", Next: 'SagaParked' },
      ],
      Next: 'Decide SendItinerary',
    });
    expect(plain['Decide SendItinerary']!['Default']).toBe('SagaParked');
  });

  it('sends to the queue of a NotificationChannel when given one', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'SagaTest');
    const target = inlineFunction(stack, 'Receiver');
    const channel = new NotificationChannel(stack, 'SagaOutcomes', {
      target: NotificationTarget.lambda(target),
    });
    const saga = new Saga(stack, 'Trip', { steps: tripSteps(stack), outcomes: { channel } });
    expect(saga.outcomeQueue).toBe(channel.queue);
    const definition = definitionFromTemplate(Template.fromStack(stack));
    expect(definition.States['Publish SagaParked']!['Parameters']).toMatchObject({
      QueueUrl: fakeQueueUrl(stack.getLogicalId(channel.queue.node.defaultChild as never)),
    });
  });
});

describe('Saga outcome messages: permissions and validation', () => {
  type Statement = { Action: unknown; Resource: unknown };
  const statementsOf = (template: Template): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
          .Statement,
    );
  const arnOf = (stack: Stack, queue: sqs.IQueue) => ({
    'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as never), 'Arn'],
  });

  it('may send to exactly the parked queue and the outcome queue, and to nothing else', () => {
    const sends = statementsOf(trip.template).filter((s) => JSON.stringify(s.Action).includes('sqs:'));
    expect(sends).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: [arnOf(trip.stack, trip.saga.parkedQueue), arnOf(trip.stack, trip.queue)],
      }),
    ]);
    expect(JSON.stringify(statementsOf(trip.template))).not.toContain('kms:');
  });

  it('may use the KMS key of a KMS-encrypted outcome queue to send, and no other key', () => {
    const kms = tripWithOutcomes({ encryption: sqs.QueueEncryption.KMS });
    const key = kms.queue.encryptionMasterKey!;
    const keyStatements = statementsOf(kms.template).filter((s) => JSON.stringify(s.Action).includes('kms:'));
    expect(keyStatements).toEqual([
      expect.objectContaining({
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': [kms.stack.getLogicalId(key.node.defaultChild as never), 'Arn'] },
      }),
    ]);
  });

  it('refuses a FIFO outcome queue and the parked queue itself, saying why', () => {
    const stack = new Stack(new App(), 'SagaTest');
    const fifo = new sqs.Queue(stack, 'OutcomesFifo', { fifo: true });
    expect(() => new Saga(stack, 'Trip', { steps: tripSteps(stack), outcomes: { queue: fifo } })).toThrow(
      'Saga "Trip": the outcome queue SagaTest/OutcomesFifo is a FIFO queue; outcomes are sent without a message group. Use a standard queue (a NotificationChannel\'s queue is one).',
    );
    const other = new Stack(new App(), 'SagaTest');
    const parked = new sqs.Queue(other, 'Ops');
    expect(
      () =>
        new Saga(other, 'Trip', {
          steps: tripSteps(other),
          parkedQueue: parked,
          outcomes: { queue: parked },
        }),
    ).toThrow(
      'Saga "Trip": `outcomes` names the parked-sagas queue, whose alarm means "an operator must act"; every outcome would set it off. Pass another queue or a NotificationChannel.',
    );
  });

  it('refuses an empty, unknown or repeated outcome in outcomes.publish, saying what is allowed', () => {
    const build = (publish: readonly string[]) => () => {
      const stack = new Stack(new App(), 'SagaTest');
      const queue = new sqs.Queue(stack, 'Outcomes');
      return new Saga(stack, 'Trip', {
        steps: tripSteps(stack),
        outcomes: { queue, publish: publish as SagaOutcomeMessage['type'][] },
      });
    };
    const fix =
      'List some of SagaSucceeded, SagaCompensated, SagaParked, each once, or leave `publish` out to publish all.';
    expect(build([])).toThrow(
      `Saga "Trip": \`outcomes.publish\` is empty, so nothing would be published. ${fix}`,
    );
    expect(build(['SagaFinished'])).toThrow(
      `Saga "Trip": \`outcomes.publish\` names "SagaFinished", which is not an outcome. ${fix}`,
    );
    expect(build(['SagaParked', 'SagaParked'])).toThrow(
      `Saga "Trip": \`outcomes.publish\` lists "SagaParked" twice. ${fix}`,
    );
  });

  it('counts the publish Task, with its retries, in the worst case that the history and Express limits check', () => {
    const steps = trip.saga.steps;
    const without = worstCase(steps, DEFAULT_PERSISTENT_RETRY, false, false);
    const withOutcomes = worstCase(steps, DEFAULT_PERSISTENT_RETRY, false, true);
    // One more state visit (2 events), 4 send attempts of 4 events; 4 × 10 s timeouts + 1 + 2 + 4 s waits.
    expect(withOutcomes.historyEvents - without.historyEvents).toBe(2 + 4 * 4);
    expect(withOutcomes.durationSeconds - without.durationSeconds).toBe(4 * 10 + 1 + 2 + 4);
    // 45 s steps without retries: the worst path (fail at the pivot, undo two steps, park) takes
    // 272 s, which fits an Express execution; publishing its outcome too takes 319 s, which does not.
    const express = (outcomes: boolean) => {
      const stack = new Stack(new App(), 'SagaTest');
      const queue = new sqs.Queue(stack, 'Outcomes');
      return new Saga(stack, 'Trip', {
        type: 'EXPRESS',
        compensationRetry: { attempts: 0 },
        steps: tripSteps(stack).map((s) => ({ ...s, retry: { attempts: 0 }, timeout: Duration.seconds(45) })),
        ...(outcomes ? { outcomes: { queue } } : {}),
      });
    };
    expect(() => express(false)).not.toThrow();
    expect(() => express(true)).toThrow(
      'Saga "Trip": an Express saga runs at most 300 s, but its worst case (every attempt timing out, every retry wait at its longest, then every compensation) takes 319 s;',
    );
  });
});

describe('Saga outcome messages: execution on the local interpreter', () => {
  it('publishes SagaSucceeded with every step result and succeeds in N + 2 transitions', async () => {
    const run = await runSaga(trip.definition, input, {
      executionName: 'trip-7',
      behaviours: { BookHotel: () => ({ hotel: 'H-1' }) },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual([
      'BookHotel',
      'BookFlight',
      'ChargeCard',
      'SendItinerary',
      'Publish SagaSucceeded',
      'SagaSucceeded',
    ]);
    const results = { BookHotel: { hotel: 'H-1' }, BookFlight: {}, ChargeCard: {}, SendItinerary: {} };
    expect(outcomesOf(run)).toEqual([
      {
        state: 'Publish SagaSucceeded',
        queueUrl: outcomeUrl,
        body: {
          type: 'SagaSucceeded',
          sagaId: 'trip-7',
          sagaName: 'Trip',
          executionArn: EXECUTION_ARN,
          summary: results,
          time: PARKED_AT,
        } satisfies SagaOutcomeMessage,
        attributes: {
          notificationId: { DataType: 'String', StringValue: EXECUTION_ARN },
          eventType: { DataType: 'String', StringValue: 'SagaSucceeded' },
          sagaId: { DataType: 'String', StringValue: 'trip-7' },
        },
      },
    ]);
    expect(run.output).toEqual({ ...input, results });
  });

  it('publishes only the chosen outcomes: a failures-only saga keeps its happy path at N + 1', async () => {
    const stack = new Stack(new App(), 'SagaTest');
    const queue = new sqs.Queue(stack, 'Outcomes');
    new Saga(stack, 'Trip', {
      steps: tripSteps(stack),
      outcomes: { queue, publish: ['SagaCompensated', 'SagaParked'] },
    });
    const definition = definitionFromTemplate(Template.fromStack(stack));
    expect(Object.keys(definition.States).filter((name) => name.startsWith('Publish '))).toEqual([
      'Publish SagaCompensated',
      'Publish SagaParked',
      'Publish input refusal',
    ]);

    const succeeded = await runSaga(definition, input, { executionName: 'trip-7' });
    expect(succeeded.statesEntered).toEqual([
      'BookHotel',
      'BookFlight',
      'ChargeCard',
      'SendItinerary',
      'SagaSucceeded',
    ]);
    expect(succeeded.sent).toEqual([]);

    const compensated = await runSaga(definition, input, {
      executionName: 'trip-7',
      behaviours: { BookFlight: fail(Object.assign(new Error('no seats'), { name: ErrorNames.business })) },
    });
    expect(compensated.error).toBe(ErrorNames.compensated);
    expect(compensated.sent.map((m) => (m.body as { type: string }).type)).toEqual(['SagaCompensated']);
  });

  it('publishes SagaCompensated with the failure once every compensation ran, then fails SagaCompensated', async () => {
    const run = await runSaga(trip.definition, input, {
      executionName: 'trip-7',
      behaviours: { BookFlight: fail(Object.assign(new Error('sold out'), { name: ErrorNames.business })) },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(run.statesEntered.slice(-4)).toEqual([
      'Compensate BookFlight',
      'Compensate BookHotel',
      'Publish SagaCompensated',
      'SagaCompensated',
    ]);
    const errors = { BookFlight: { Error: ErrorNames.business, Cause: 'sold out' } };
    expect(outcomesOf(run).map((m) => m.body)).toEqual([
      {
        type: 'SagaCompensated',
        sagaId: 'trip-7',
        sagaName: 'Trip',
        executionArn: EXECUTION_ARN,
        summary: errors,
        time: PARKED_AT,
      },
    ]);
    expect(JSON.parse(run.cause!)).toEqual(errors);
  });

  it('publishes SagaParked after the park message when a retriable step gives up', async () => {
    const run = await runSaga(trip.definition, input, {
      executionName: 'trip-7',
      behaviours: { SendItinerary: fail(new TransientError('mail server down')) },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(run.sent.map((m) => [m.state, m.queueUrl])).toEqual([
      ['Park SendItinerary', parkedUrl],
      ['Publish SagaParked', outcomeUrl],
    ]);
    expect(outcomesOf(run)[0]!.body).toMatchObject({
      type: 'SagaParked',
      summary: { SendItinerary: { Error: ErrorNames.transient, Cause: 'mail server down' } },
    });
  });

  it('keeps a succeeded saga succeeded when the outcome queue refuses every attempt, recording the send error', async () => {
    const run = await runSaga(trip.definition, input, {
      sendBehaviours: {
        'Publish SagaSucceeded': () => {
          throw sqsError('queue does not exist');
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(outcomesOf(run)).toEqual([]);
    expect(run.output).toMatchObject({
      errors: { 'Publish SagaSucceeded': { Error: 'SQS.SqsException', Cause: 'queue does not exist' } },
    });
    expect(run.statesEntered.slice(-2)).toEqual(['Publish SagaSucceeded', 'SagaSucceeded']);
  });

  it('retries a failed outcome send and publishes it once', async () => {
    const run = await runSaga(trip.definition, input, {
      sendBehaviours: {
        'Publish SagaSucceeded': (attempt) => {
          if (attempt <= 2) throw sqsError('throttled');
        },
      },
    });
    expect(run.status).toBe('SUCCEEDED');
    expect(outcomesOf(run)).toHaveLength(1);
    expect(run.output).not.toHaveProperty('errors');
  });

  it('still ends SagaParked, and still publishes SagaParked, when the parked queue refuses the park message', async () => {
    const refuse = () => {
      throw sqsError('access denied');
    };
    const run = await runSaga(trip.definition, input, {
      behaviours: { SendItinerary: fail(new TransientError('mail server down')) },
      sendBehaviours: { 'Park SendItinerary': refuse },
    });
    expect(run.error).toBe(ErrorNames.parked);
    expect(run.parked).toEqual([]);
    const errors = {
      SendItinerary: { Error: ErrorNames.transient, Cause: 'mail server down' },
      'Park SendItinerary': { Error: 'SQS.SqsException', Cause: 'access denied' },
    };
    expect(JSON.parse(run.cause!)).toEqual(errors);
    expect(outcomesOf(run)[0]!.body).toMatchObject({ type: 'SagaParked', summary: errors });

    const plain = buildSaga({ steps: tripSteps }).definition;
    const withoutOutcomes = await runSaga(plain, input, {
      behaviours: { SendItinerary: fail(new TransientError('mail server down')) },
      sendBehaviours: { 'Park SendItinerary': refuse },
    });
    expect(withoutOutcomes.error).toBe(ErrorNames.parked);
    expect(JSON.parse(withoutOutcomes.cause!)).toEqual(errors);
    expect(withoutOutcomes.statesEntered.slice(-2)).toEqual(['Park SendItinerary', 'SagaParked']);
  });

  it('publishes nothing for input the schema refuses: no step ran, so there is no saga outcome', async () => {
    const stack = new Stack(new App(), 'SagaTest');
    const queue = new sqs.Queue(stack, 'Outcomes');
    new Saga(stack, 'Trip', {
      steps: tripSteps(stack),
      outcomes: { queue },
      inputSchema: { tripId: 'string' },
    });
    const run = await runSaga(definitionFromTemplate(Template.fromStack(stack)), { tripId: 7 });
    expect(run.error).toBe(ErrorNames.inputInvalid);
    expect(run.sent).toEqual([]);
  });

  it('publishes a refused input that is not a JSON object as a SagaCompensated outcome, and fails SagaInputInvalid', async () => {
    const stack = new Stack(new App(), 'SagaTest');
    const queue = new sqs.Queue(stack, 'Outcomes');
    new Saga(stack, 'Trip', { steps: tripSteps(stack), outcomes: { queue } });
    const definition = definitionFromTemplate(Template.fromStack(stack));
    for (const bad of [['trip-7'], 'trip-7']) {
      const run = await runSaga(definition, bad as never, {
        behaviours: {
          BookHotel: (request) => {
            checkSagaInput(request);
            return {};
          },
        },
      });
      expect(run.error).toBe(ErrorNames.inputInvalid);
      expect(run.statesEntered.slice(-3)).toEqual([
        'Record input refusal',
        'Publish input refusal',
        'Input refused',
      ]);
      const [outcome] = outcomesOf(run);
      expect(outcome!.body).toMatchObject({
        type: 'SagaCompensated',
        sagaName: 'Trip',
        summary: { BookHotel: { Error: ErrorNames.inputInvalid } },
      });
      expect(run.parked).toEqual([]);
    }
  });
});
