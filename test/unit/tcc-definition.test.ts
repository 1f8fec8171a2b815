import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ErrorNames, LAMBDA_TRANSIENT_ERRORS } from '../../functions/runtime/errors.js';
import { TccTransaction } from '../../infra/constructs/tcc/index.js';
import { inlineFunction } from './saga-fixtures.js';
import { fakeFunctionArn, fakeQueueUrl } from './saga-local-harness.js';
import { buildTcc, transferParticipants } from './tcc-fixtures.js';

const built = buildTcc({ participants: transferParticipants });
const states = built.definition.States;
const logicalId = (id: string) =>
  built.stack.getLogicalId(built.stack.node.findChild(id).node.defaultChild as never);
const queueLogicalId = () =>
  built.stack.getLogicalId(built.tcc.node.findChild('ParkedQueue').node.defaultChild as never);

type Branch = { StartAt: string; States: Record<string, Record<string, unknown>> };
const branchesOf = (name: string) => states[name]!['Branches'] as Branch[];
const branchTask = (parallel: string, task: string) =>
  branchesOf(parallel).find((b) => b.StartAt === task)!.States[task]!;

describe('TccTransaction state machine definition', () => {
  it('runs Try, then Confirm, then Succeed on the happy path: 2N + 3 transitions and no plumbing states', () => {
    expect(built.definition.StartAt).toBe('Try');
    expect(Object.keys(states)).toEqual([
      'Try',
      'Confirm',
      'Cancel',
      'Park Confirm',
      'Decide Confirm',
      'Park Cancel',
      'Decide Cancel',
      'SagaParked',
      'SagaCancelled',
      'SagaSucceeded',
    ]);
    expect(states['Try']).toMatchObject({ Type: 'Parallel', Next: 'Confirm' });
    expect(states['Confirm']).toMatchObject({ Type: 'Parallel', Next: 'SagaSucceeded' });
    expect(states['SagaSucceeded']).toEqual({ Type: 'Succeed' });
    for (const parallel of ['Try', 'Confirm', 'Cancel']) {
      for (const branch of branchesOf(parallel)) {
        expect(Object.keys(branch.States)).toEqual([branch.StartAt]);
        expect(branch.States[branch.StartAt]).toMatchObject({ Type: 'Task', End: true });
      }
    }
    expect(JSON.stringify(built.definition)).not.toContain('"Pass"');
  });

  it('tries every participant in parallel, one branch each, with a ParticipantRequest of phase try', () => {
    expect(branchesOf('Try').map((b) => b.StartAt)).toEqual(['Try Debit', 'Try Credit', 'Try Fees']);
    expect(branchTask('Try', 'Try Debit')).toMatchObject({
      Resource: fakeFunctionArn(logicalId('DebitFn')),
      Parameters: {
        'sagaId.$': '$$.Execution.Name',
        sagaName: 'Transfer',
        step: 'Debit',
        phase: 'try',
        action: 'hold',
        'input.$': '$$.Execution.Input',
        results: {},
      },
      TimeoutSeconds: 10,
    });
    expect(branchTask('Try', 'Try Credit')['Parameters']).toMatchObject({ step: 'Credit', action: 'try' });
    expect(branchTask('Try', 'Try Fees')['Parameters']).toMatchObject({ step: 'Fees', action: 'reserveFee' });
  });

  it('keeps each Try result at $.results.<participant> and catches any Try failure into Cancel', () => {
    expect(states['Try']).toMatchObject({
      ResultSelector: { 'Debit.$': '$[0]', 'Credit.$': '$[1]', 'Fees.$': '$[2]' },
      ResultPath: '$.results',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.errors.Try', Next: 'Cancel' }],
    });
  });

  it('retries only transient Try failures, per the forward retry policy', () => {
    expect(branchTask('Try', 'Try Debit')['Retry']).toEqual([
      {
        ErrorEquals: [ErrorNames.transient, ...LAMBDA_TRANSIENT_ERRORS, 'States.Timeout'],
        IntervalSeconds: 1,
        MaxAttempts: 3,
        BackoffRate: 2,
        MaxDelaySeconds: 20,
        JitterStrategy: 'FULL',
      },
    ]);
  });

  it('confirms every participant with the Try results, retrying States.ALL except a refusal, and parks on exhaustion', () => {
    expect(branchesOf('Confirm').map((b) => b.StartAt)).toEqual([
      'Confirm Debit',
      'Confirm Credit',
      'Confirm Fees',
    ]);
    expect(branchTask('Confirm', 'Confirm Debit')).toMatchObject({
      Resource: fakeFunctionArn(logicalId('DebitFn')),
      Parameters: { step: 'Debit', phase: 'confirm', action: 'settle', 'results.$': '$.results' },
      Retry: [
        { ErrorEquals: [ErrorNames.actionRefused, ErrorNames.requestMismatch], MaxAttempts: 0 },
        {
          ErrorEquals: ['States.ALL'],
          IntervalSeconds: 2,
          MaxAttempts: 6,
          BackoffRate: 2,
          MaxDelaySeconds: 60,
          JitterStrategy: 'FULL',
        },
      ],
    });
    expect(branchTask('Confirm', 'Confirm Credit')['Parameters']).toMatchObject({ action: 'confirm' });
    expect(states['Confirm']).toMatchObject({
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.errors.Confirm', Next: 'Park Confirm' }],
    });
  });

  it('cancels ALL participants, whatever their Try did, then fails with SagaCancelled and the caught errors', () => {
    expect(branchesOf('Cancel').map((b) => b.StartAt)).toEqual([
      'Cancel Debit',
      'Cancel Credit',
      'Cancel Fees',
    ]);
    expect(branchTask('Cancel', 'Cancel Debit')).toMatchObject({
      Parameters: { step: 'Debit', phase: 'cancel', action: 'release', results: {} },
      Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 6 }],
    });
    expect(branchTask('Cancel', 'Cancel Fees')['Parameters']).toMatchObject({ action: 'cancel' });
    expect(states['Cancel']).toMatchObject({
      ResultPath: null,
      Next: 'SagaCancelled',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.errors.Cancel', Next: 'Park Cancel' }],
    });
    expect(states['SagaCancelled']).toEqual({
      Type: 'Fail',
      Error: ErrorNames.cancelled,
      CausePath: 'States.JsonToString($.errors)',
    });
  });

  it('parks Confirm or Cancel with a ParkedSagaMessage and a task token; retry reruns the phase, skip ends as if it had finished', () => {
    expect(states['Park Confirm']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::sqs:sendMessage.waitForTaskToken',
      Parameters: {
        QueueUrl: fakeQueueUrl(queueLogicalId()),
        MessageBody: {
          'sagaId.$': '$$.Execution.Name',
          sagaName: 'Transfer',
          'executionArn.$': '$$.Execution.Id',
          state: 'Confirm',
          step: 'Confirm',
          phase: 'confirm',
          'error.$': '$.errors.Confirm.Error',
          'parkedAt.$': '$$.State.EnteredTime',
          'errors.$': '$.errors',
          'taskToken.$': '$$.Task.Token',
          decisionTimeoutSeconds: 604_800,
        },
      },
      ResultPath: '$.decision',
      TimeoutSeconds: 604_800,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: "$.errors['Park Confirm']", Next: 'SagaParked' }],
      Next: 'Decide Confirm',
    });
    expect(states['Decide Confirm']).toMatchObject({
      Type: 'Choice',
      Choices: [
        { Variable: '$.decision.decision', StringEquals: 'retry', Next: 'Confirm' },
        { Variable: '$.decision.decision', StringEquals: 'skip', Next: 'SagaSucceeded' },
      ],
      Default: 'SagaParked',
    });
    expect(states['Decide Cancel']).toMatchObject({
      Choices: [
        { Variable: '$.decision.decision', StringEquals: 'retry', Next: 'Cancel' },
        { Variable: '$.decision.decision', StringEquals: 'skip', Next: 'SagaCancelled' },
      ],
      Default: 'SagaParked',
    });
    expect(states['SagaParked']).toEqual({
      Type: 'Fail',
      Error: ErrorNames.parked,
      CausePath: 'States.JsonToString($.errors)',
    });
  });

  it('uses JSONPath only: no JSONata query language and no Assign', () => {
    const json = JSON.stringify(built.definition);
    expect(json).not.toContain('QueryLanguage');
    expect(json).not.toContain('"Assign"');
    expect(json).not.toContain('{%');
  });

  it('applies per-participant timeouts and retries and transaction-wide confirm/cancel budgets', () => {
    const custom = buildTcc({
      participants: (stack) => [
        {
          name: 'A',
          participant: inlineFunction(stack, 'AFn'),
          timeout: Duration.seconds(42),
          tryRetry: { attempts: 0 },
        },
        { name: 'B', participant: inlineFunction(stack, 'BFn') },
      ],
      tryRetry: { attempts: 5 },
      confirmRetry: { attempts: 9, interval: Duration.seconds(3), jitter: 'NONE' },
      cancelRetry: { attempts: 0 },
      timeout: Duration.hours(1),
    });
    const s = custom.definition.States;
    const task = (p: string, t: string) =>
      (s[p]!['Branches'] as Branch[]).find((b) => b.StartAt === t)!.States[t]!;
    expect(custom.definition.TimeoutSeconds).toBe(3600);
    expect(task('Try', 'Try A')['TimeoutSeconds']).toBe(42);
    expect(task('Confirm', 'Confirm A')['TimeoutSeconds']).toBe(42);
    expect(task('Try', 'Try A')['Retry']).toBeUndefined();
    expect(task('Try', 'Try B')['Retry']).toMatchObject([{ MaxAttempts: 5 }]);
    expect(task('Confirm', 'Confirm B')['Retry']).toMatchObject([
      { ErrorEquals: [ErrorNames.actionRefused, ErrorNames.requestMismatch], MaxAttempts: 0 },
      { ErrorEquals: ['States.ALL'], MaxAttempts: 9, IntervalSeconds: 3, JitterStrategy: 'NONE' },
    ]);
    expect(task('Cancel', 'Cancel B')['Retry']).toBeUndefined();
  });
});

describe('TccTransaction resources', () => {
  it('creates a Standard state machine named after the transaction, with logging and tracing on', () => {
    built.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    built.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'Transfer',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
    });
  });

  it('may invoke exactly the participant functions and send only to its parked queue', () => {
    const policies = built.template.findResources('AWS::IAM::Policy');
    const statements = Object.values(policies).flatMap(
      (p) =>
        (p['Properties'] as { PolicyDocument: { Statement: Record<string, unknown>[] } }).PolicyDocument
          .Statement,
    );
    const invoke = statements.find((s) => s['Action'] === 'lambda:InvokeFunction')!;
    expect(invoke['Resource']).toEqual(
      ['DebitFn', 'CreditFn', 'FeesFn'].map((id) => ({ 'Fn::GetAtt': [logicalId(id), 'Arn'] })),
    );
    const send = statements.find((s) => s['Action'] === 'sqs:SendMessage')!;
    expect(send['Resource']).toEqual({ 'Fn::GetAtt': [queueLogicalId(), 'Arn'] });
  });

  it('creates an encrypted, TLS-only parked queue and an alarm on it, unless one is given', () => {
    built.template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 1_209_600,
    });
    built.template.resourceCountIs('AWS::CloudWatch::Alarm', 1);

    const stack = new Stack(new App(), 'Given');
    const parkedQueue = new sqs.Queue(stack, 'Shared', { enforceSSL: true });
    new TccTransaction(stack, 'Transfer', {
      participants: [{ name: 'A', participant: inlineFunction(stack, 'AFn') }],
      parkedQueue,
    });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    expect(JSON.stringify(template.toJSON())).toContain(
      stack.getLogicalId(parkedQueue.node.defaultChild as never),
    );
  });

  it('creates an Express state machine when asked', () => {
    const express = buildTcc({
      participants: (stack) => [{ name: 'A', participant: inlineFunction(stack, 'AFn') }],
      type: 'EXPRESS',
      confirmRetry: { attempts: 2 },
      cancelRetry: { attempts: 2 },
      tryRetry: { attempts: 1 },
    });
    express.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'EXPRESS',
    });
  });
});
