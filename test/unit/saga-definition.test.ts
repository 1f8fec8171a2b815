import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ErrorNames, LAMBDA_TRANSIENT_ERRORS } from '../../functions/runtime/errors.js';
import { Saga } from '../../infra/constructs/saga/index.js';
import { buildSaga, inlineFunction, tripSteps } from './saga-fixtures.js';
import { fakeFunctionArn, fakeQueueUrl } from './saga-local-harness.js';

/** Spelled out rather than imported, so that a change to either list shows up here. */
const CRASHES = ['Runtime.ExitError', 'Runtime.Unknown', 'Sandbox.Timedout', 'Lambda.Unknown'];
const NOTHING_COMMITTED = [
  'SagaBusinessError',
  'SagaActionRefused',
  'SagaTransactionLimitExceeded',
  'SagaInvalidRequest',
  'SagaInputInvalid',
  'SagaResultTooLarge',
];
/** The first step's catcher for an input it refused, which cannot be merged into a non-object input. */
const INPUT_REFUSAL = { ErrorEquals: ['SagaInputInvalid'], Next: 'Record input refusal' };
/** 256 KiB - 64 KiB input - 32 KiB errors - keys of 4 steps and `results`, shared by 4 steps. */
const SHARE = Math.floor((262_144 - 65_536 - 32_768 - 96 * 5) / 4);

const trip = buildSaga({ steps: tripSteps });
const states = trip.definition.States;
const logicalId = (id: string) =>
  trip.stack.getLogicalId(trip.stack.node.findChild(id).node.defaultChild as never);

describe('Saga state machine definition', () => {
  it('chains the forward steps from StartAt to a Succeed state with no plumbing states: N + 1 transitions', () => {
    const path: string[] = [];
    let name: string | undefined = trip.definition.StartAt;
    while (name) {
      path.push(name);
      const state: Record<string, unknown> = states[name]!;
      name = state['Next'] as string | undefined;
    }
    expect(path).toEqual(['BookHotel', 'BookFlight', 'ChargeCard', 'SendItinerary', 'SagaSucceeded']);
    expect(path.map((n) => states[n]!.Type)).toEqual(['Task', 'Task', 'Task', 'Task', 'Succeed']);
    // The one Pass state is on the path of an input the first step refused, never on the happy path.
    expect(Object.keys(states).filter((n) => states[n]!.Type === 'Pass')).toEqual(['Record input refusal']);
  });

  it('invokes each participant function by its ARN with a ParticipantRequest and keeps results under $.results', () => {
    expect(states['BookHotel']).toMatchObject({
      Resource: fakeFunctionArn(logicalId('Hotel')),
      Parameters: {
        'sagaId.$': '$$.Execution.Name',
        sagaName: 'Trip',
        step: 'BookHotel',
        phase: 'action',
        action: 'book',
        'input.$': '$$.Execution.Input',
        results: {},
        budget: { inputBytes: 65_536, resultBytes: SHARE },
      },
      ResultPath: '$.results.BookHotel',
      TimeoutSeconds: 10,
    });
    expect(states['BookFlight']!['Parameters']).toEqual({
      'sagaId.$': '$$.Execution.Name',
      sagaName: 'Trip',
      step: 'BookFlight',
      phase: 'action',
      action: 'book',
      'input.$': '$$.Execution.Input',
      'results.$': '$.results',
      budget: { inputBytes: 65_536, resultBytes: SHARE },
    });
    expect(states['ChargeCard']!['Resource']).toBe(fakeFunctionArn(logicalId('Card')));
  });

  it('catches every forward failure into the right place: own compensation, the one before the pivot, or the park path', () => {
    const catchOf = (name: string) => states[name]!['Catch'];
    expect(catchOf('BookHotel')).toEqual([
      INPUT_REFUSAL,
      { ErrorEquals: ['States.ALL'], ResultPath: '$.errors.BookHotel', Next: 'Compensate BookHotel' },
    ]);
    expect(catchOf('BookFlight')).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.errors.BookFlight', Next: 'Compensate BookFlight' },
    ]);
    // A pivot that may have committed must not be compensated around: only a refusal that proves
    // no attempt committed undoes the earlier steps; anything else parks.
    expect(catchOf('ChargeCard')).toEqual([
      { ErrorEquals: NOTHING_COMMITTED, ResultPath: '$.errors.ChargeCard', Next: 'Compensate BookFlight' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.errors.ChargeCard', Next: 'Park ChargeCard' },
    ]);
    expect(catchOf('SendItinerary')).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.errors.SendItinerary', Next: 'Park SendItinerary' },
    ]);
  });

  it('forms one reverse compensation chain ending in Fail SagaCompensated, never compensating past the pivot', () => {
    expect(Object.keys(states).filter((n) => n.startsWith('Compensate '))).toEqual([
      'Compensate BookHotel',
      'Compensate BookFlight',
    ]);
    expect(states['Compensate BookFlight']).toMatchObject({
      Type: 'Task',
      Resource: fakeFunctionArn(logicalId('Flight')),
      Parameters: { step: 'BookFlight', phase: 'compensation', action: 'cancel', 'results.$': '$.results' },
      ResultPath: null,
      Next: 'Compensate BookHotel',
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: "$.errors['Compensate BookFlight']",
          Next: 'Park Compensate BookFlight',
        },
      ],
    });
    expect(states['Compensate BookHotel']).toMatchObject({
      Parameters: { step: 'BookHotel', phase: 'compensation', action: 'cancel', results: {} },
      Next: 'SagaCompensated',
    });
    expect(states['SagaCompensated']).toEqual({
      Type: 'Fail',
      Error: ErrorNames.compensated,
      CausePath: 'States.JsonToString($.errors)',
    });
  });

  it('retries transient errors on forward steps, crashes too from the pivot on, with a larger budget after the pivot', () => {
    const transient = [ErrorNames.transient, ...LAMBDA_TRANSIENT_ERRORS, 'States.Timeout'];
    for (const [name, retried] of [
      ['BookHotel', transient],
      ['BookFlight', transient],
      ['ChargeCard', [...transient, ...CRASHES]],
    ] as const) {
      expect(states[name]!['Retry']).toEqual([
        {
          ErrorEquals: retried,
          IntervalSeconds: 1,
          MaxAttempts: 3,
          BackoffRate: 2,
          MaxDelaySeconds: 20,
          JitterStrategy: 'FULL',
        },
      ]);
    }
    expect(states['SendItinerary']!['Retry']).toEqual([
      {
        ErrorEquals: [...transient, ...CRASHES],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      },
    ]);
    expect(JSON.stringify(states['BookHotel']!['Retry'])).not.toContain(ErrorNames.business);
  });

  it('retries compensations on every error within the bounded compensation budget', () => {
    expect(states['Compensate BookHotel']!['Retry']).toEqual([
      {
        ErrorEquals: ['States.ALL'],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
      },
    ]);
  });

  it('parks a failed state with a ParkedSagaMessage and a task token, waiting 7 days for a decision by default', () => {
    const queueId = trip.stack.getLogicalId(trip.saga.parkedQueue.node.defaultChild as never);
    expect(states['Park Compensate BookFlight']).toEqual({
      Type: 'Task',
      Comment: expect.stringContaining('an operator decides (retry, skip or abandon)'),
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: {
        QueueUrl: fakeQueueUrl(queueId),
        MessageBody: {
          'sagaId.$': '$$.Execution.Name',
          sagaName: 'Trip',
          'executionArn.$': '$$.Execution.Id',
          state: 'Compensate BookFlight',
          step: 'BookFlight',
          phase: 'compensation',
          'error.$': "$.errors['Compensate BookFlight'].Error",
          'cause.$': "$.errors['Compensate BookFlight'].Cause",
          'parkedAt.$': '$$.State.EnteredTime',
          'errors.$': '$.errors',
          'taskToken.$': '$$.Task.Token',
          decisionTimeoutSeconds: 604_800,
        },
      },
      ResultPath: '$.decision',
      TimeoutSeconds: 604_800,
      // A decision timeout is never retried (that would park again); a failed send is.
      Retry: [
        { ErrorEquals: ['States.Timeout'], MaxAttempts: 0 },
        {
          ErrorEquals: ['States.ALL'],
          IntervalSeconds: 1,
          MaxAttempts: 3,
          BackoffRate: 2,
          MaxDelaySeconds: 10,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [
        {
          ErrorEquals: ['States.ALL'],
          ResultPath: "$.errors['Park Compensate BookFlight']",
          Next: 'SagaParked',
        },
      ],
      Next: 'Decide Compensate BookFlight',
    });
    expect(states['SagaParked']).toEqual({
      Type: 'Fail',
      Error: ErrorNames.parked,
      CausePath: 'States.JsonToString($.errors)',
    });
  });

  it('routes the decision: retry reruns the failed state, skip goes on as after its success, anything else abandons', () => {
    expect(states['Decide Compensate BookFlight']).toEqual({
      Type: 'Choice',
      Comment: expect.any(String),
      Choices: [
        { Variable: '$.decision.decision', StringEquals: 'retry', Next: 'Compensate BookFlight' },
        { Variable: '$.decision.decision', StringEquals: 'skip', Next: 'Compensate BookHotel' },
      ],
      Default: 'SagaParked',
    });
    expect(states['Decide Compensate BookHotel']!['Choices']).toEqual([
      { Variable: '$.decision.decision', StringEquals: 'retry', Next: 'Compensate BookHotel' },
      { Variable: '$.decision.decision', StringEquals: 'skip', Next: 'SagaCompensated' },
    ]);
    // After the pivot, skip means the operator did the step by hand: the saga goes forward.
    expect(states['Decide ChargeCard']!['Choices']).toEqual([
      { Variable: '$.decision.decision', StringEquals: 'retry', Next: 'ChargeCard' },
      { Variable: '$.decision.decision', StringEquals: 'skip', Next: 'SendItinerary' },
    ]);
    expect(states['Decide SendItinerary']!['Choices']).toEqual([
      { Variable: '$.decision.decision', StringEquals: 'retry', Next: 'SendItinerary' },
      { Variable: '$.decision.decision', StringEquals: 'skip', Next: 'SagaSucceeded' },
    ]);
    expect(states['Park SendItinerary']!['Parameters']).toMatchObject({
      MessageBody: { state: 'SendItinerary', step: 'SendItinerary', phase: 'action' },
    });
    // Compensatable forward steps never park: their failure compensates.
    expect(states['Park BookHotel']).toBeUndefined();
    expect(states['Park BookFlight']).toBeUndefined();
    const parkStates = Object.keys(states).filter((n) => n.startsWith('Park ') || n.startsWith('Decide '));
    expect(parkStates.sort()).toEqual(
      [
        'Park Compensate BookHotel',
        'Decide Compensate BookHotel',
        'Park Compensate BookFlight',
        'Decide Compensate BookFlight',
        'Park ChargeCard',
        'Decide ChargeCard',
        'Park SendItinerary',
        'Decide SendItinerary',
      ].sort(),
    );
  });

  it('waits as long as parkedDecisionTimeout says, and refuses one that is not whole seconds in range', () => {
    const quick = buildSaga({ steps: tripSteps, parkedDecisionTimeout: Duration.hours(1) });
    expect(quick.definition.States['Park ChargeCard']).toMatchObject({
      TimeoutSeconds: 3_600,
      Parameters: { MessageBody: { decisionTimeoutSeconds: 3_600 } },
    });
    expect(() => buildSaga({ steps: tripSteps, parkedDecisionTimeout: Duration.millis(1_500) })).toThrow(
      'Saga "Trip": `parkedDecisionTimeout` is 1.5 s; it must be whole seconds from 1 to 99999999. Pass e.g. `Duration.days(7)`.',
    );
  });

  it('parks an Express saga without waiting: it cannot hold a task token, so it ends SagaParked at once', () => {
    const expressProps = {
      type: 'EXPRESS',
      compensationRetry: { attempts: 2 },
      steps: (stack: Stack) =>
        tripSteps(stack).map((step) => ({ ...step, retry: { attempts: 1 }, timeout: Duration.seconds(10) })),
    } as const;
    const express = buildSaga(expressProps);
    expect(express.definition.States['Park ChargeCard']).toMatchObject({
      Resource: 'arn:aws:states:::sqs:sendMessage',
      ResultPath: null,
      TimeoutSeconds: 10,
      Next: 'SagaParked',
    });
    expect(
      (express.definition.States['Park ChargeCard']!['Parameters'] as { MessageBody: object }).MessageBody,
    ).not.toHaveProperty('taskToken.$');
    expect(express.definition.States['Decide ChargeCard']).toBeUndefined();
    expect(() => buildSaga({ ...expressProps, parkedDecisionTimeout: Duration.days(1) })).toThrow(
      'Saga "Trip": `parkedDecisionTimeout` is set, but an Express state machine cannot wait on a task token, so its parked executions end at once. Remove `parkedDecisionTimeout` or use `type: \'STANDARD\'`.',
    );
  });

  it('applies custom retry, timeout and compensation budgets, and omits Retry when attempts is 0', () => {
    const custom = buildSaga({
      compensationRetry: {
        attempts: 10,
        interval: Duration.seconds(3),
        backoffRate: 1.5,
        maxDelay: Duration.seconds(30),
        jitter: 'NONE',
      },
      timeout: Duration.hours(1),
      steps: (stack) => [
        {
          name: 'Reserve',
          participant: inlineFunction(stack, 'R'),
          action: 'reserve',
          compensation: 'release',
          retry: {
            attempts: 5,
            interval: Duration.seconds(2),
            backoffRate: 3,
            maxDelay: Duration.seconds(40),
            jitter: 'NONE',
          },
          timeout: Duration.seconds(42),
        },
        { name: 'Commit', participant: inlineFunction(stack, 'C'), action: 'commit', retry: { attempts: 0 } },
      ],
    });
    const s = custom.definition.States;
    expect(custom.definition.TimeoutSeconds).toBe(3600);
    expect(s['Reserve']).toMatchObject({
      TimeoutSeconds: 42,
      Retry: [
        { IntervalSeconds: 2, MaxAttempts: 5, BackoffRate: 3, MaxDelaySeconds: 40, JitterStrategy: 'NONE' },
      ],
    });
    expect(s['Compensate Reserve']).toMatchObject({
      TimeoutSeconds: 42,
      Retry: [
        {
          ErrorEquals: ['States.ALL'],
          IntervalSeconds: 3,
          MaxAttempts: 10,
          BackoffRate: 1.5,
          MaxDelaySeconds: 30,
          JitterStrategy: 'NONE',
        },
      ],
    });
    expect(s['Commit']).not.toHaveProperty('Retry');
    // The last step without a compensation is the pivot by default: its failure undoes Reserve.
    expect(s['Commit']!['Catch']).toEqual([
      { ErrorEquals: NOTHING_COMMITTED, ResultPath: '$.errors.Commit', Next: 'Compensate Reserve' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.errors.Commit', Next: 'Park Commit' },
    ]);
  });

  it('fails a refused pivot that comes first straight into SagaCompensated: nothing ran before it', () => {
    const solo = buildSaga({
      steps: (stack) => [{ name: 'Only', participant: inlineFunction(stack, 'O'), action: 'go' }],
    });
    expect(solo.definition.States['Only']!['Catch']).toEqual([
      INPUT_REFUSAL,
      { ErrorEquals: NOTHING_COMMITTED, ResultPath: '$.errors.Only', Next: 'SagaCompensated' },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.errors.Only', Next: 'Park Only' },
    ]);
  });

  it('validates the input in one Choice state before the first step when an input schema is given', () => {
    const validated = buildSaga({
      steps: tripSteps,
      inputSchema: {
        orderId: 'string',
        amount: 'number',
        express: { type: 'boolean', optional: true },
        at: 'timestamp',
      },
    });
    const { StartAt, States } = validated.definition;
    expect(StartAt).toBe('Validate input');
    expect(States['Validate input']).toMatchObject({
      Type: 'Choice',
      Default: 'SagaInputInvalid',
      Choices: [
        {
          Next: 'BookHotel',
          And: [
            {
              And: [
                { Variable: '$.orderId', IsPresent: true },
                { Variable: '$.orderId', IsString: true },
              ],
            },
            {
              And: [
                { Variable: '$.amount', IsPresent: true },
                { Variable: '$.amount', IsNumeric: true },
              ],
            },
            {
              Or: [
                { Not: { Variable: '$.express', IsPresent: true } },
                {
                  And: [
                    { Variable: '$.express', IsPresent: true },
                    { Variable: '$.express', IsBoolean: true },
                  ],
                },
              ],
            },
            {
              And: [
                { Variable: '$.at', IsPresent: true },
                { Variable: '$.at', IsTimestamp: true },
              ],
            },
            { Not: { Variable: '$.results', IsPresent: true } },
            { Not: { Variable: '$.errors', IsPresent: true } },
            { Not: { Variable: '$.decision', IsPresent: true } },
          ],
        },
      ],
    });
    expect(States['SagaInputInvalid']).toMatchObject({ Type: 'Fail', Error: ErrorNames.inputInvalid });
  });
});

describe('Saga resources', () => {
  it('creates a Standard state machine named after the saga, logging ALL without execution data, with X-Ray', () => {
    trip.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'Trip',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: false,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: Match.anyValue() } }],
      },
    });
    trip.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('creates an encrypted, TLS-only parked queue that keeps messages 14 days, and alarms on any visible message', () => {
    trip.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    trip.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    trip.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Statistic: 'Maximum',
      TreatMissingData: 'notBreaching',
    });
  });

  it('grants lambda:InvokeFunction on the exact function ARNs and sqs:SendMessage on the parked queue only', () => {
    const policies = Object.values(trip.template.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const statements = (
      policies[0]!['Properties'] as { PolicyDocument: { Statement: Record<string, unknown>[] } }
    ).PolicyDocument.Statement;
    const invoke = statements.find((s) => s['Action'] === 'lambda:InvokeFunction')!;
    expect(invoke['Resource']).toEqual(
      ['Hotel', 'Flight', 'Card', 'Mail'].map((id) => ({ 'Fn::GetAtt': [logicalId(id), 'Arn'] })),
    );
    const send = statements.find((s) => s['Action'] === 'sqs:SendMessage')!;
    expect(send['Resource']).toEqual({
      'Fn::GetAtt': [trip.stack.getLogicalId(trip.saga.parkedQueue.node.defaultChild as never), 'Arn'],
    });
    expect(JSON.stringify(statements)).not.toContain(':*');
  });

  it('builds an Express state machine when its worst case fits in five minutes', () => {
    const express = buildSaga({
      type: 'EXPRESS',
      compensationRetry: { attempts: 2 },
      steps: (stack) =>
        tripSteps(stack).map((step) => ({ ...step, retry: { attempts: 1 }, timeout: Duration.seconds(10) })),
    });
    express.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
    });
  });

  it('uses a given parked queue instead of creating one, and still alarms on it', () => {
    const stack = new Stack();
    const queue = new sqs.Queue(stack, 'OpsQueue');
    const saga = new Saga(stack, 'Trip', { steps: tripSteps(stack), parkedQueue: queue });
    expect(saga.parkedQueue).toBe(queue);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [stack.getLogicalId(queue.node.defaultChild as never), 'QueueName'] },
        },
      ],
    });
  });

  it('exposes metrics: succeeded/failed from AWS/States, parked from the queue, compensated from a log metric filter', () => {
    const built = buildSaga({ steps: tripSteps });
    expect(built.saga.metricSucceeded().metricName).toBe('ExecutionsSucceeded');
    expect(built.saga.metricFailed().namespace).toBe('AWS/States');
    expect(built.saga.metricParked()).toMatchObject({
      namespace: 'AWS/SQS',
      metricName: 'NumberOfMessagesSent',
    });
    const compensated = built.saga.metricCompensated();
    expect(compensated).toMatchObject({
      namespace: 'stepsaga',
      metricName: 'TripCompensated',
      statistic: 'Sum',
    });
    const stack = built.stack;
    const filters = stack.node.findAll().filter((c) => c.node.id === 'CompensatedMetricFilter');
    expect(filters).toHaveLength(1);
    expect(
      stack.resolve((filters[0]!.node.defaultChild as unknown as { filterPattern: string }).filterPattern),
    ).toBe('{ ($.type = "FailStateEntered") && ($.details.name = "SagaCompensated") }');
  });

  it('refuses metricCompensated when the log level does not write FailStateEntered events', () => {
    const built = buildSaga({ steps: tripSteps, logLevel: 'ERROR' });
    expect(() => built.saga.metricCompensated()).toThrow(
      `Saga "Trip": metricCompensated() counts FailStateEntered log events, which log level ERROR does not write. Set \`logLevel: 'ALL'\`.`,
    );
  });
});
