import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { describe, expect, it } from 'vitest';
import { BusinessError, ErrorNames } from '../../functions/runtime/errors.js';
import { RESERVATION_INDEX } from '../../functions/tcc/reservation.js';
import { ReservationSweeper } from '../../infra/constructs/tcc/index.js';
import { TransferStack } from '../../workflows/transfer.js';
import { inlineFunction } from './saga-fixtures.js';
import { definitionFromTemplate, runSaga } from './saga-local-harness.js';

const stack = new TransferStack(new App(), 'TransferTest');
const template = Template.fromStack(stack);
const definition = definitionFromTemplate(template);
const input = { transferId: 't-1', fromAccount: 'alice', toAccount: 'bob', amount: 2_500 };
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

describe('Transfer example stack', () => {
  it('declares the Transfer TCC over Debit (hold/settle/release) and Credit (recordPending/apply/drop)', () => {
    const branches = (name: string) =>
      (
        definition.States[name]!['Branches'] as {
          StartAt: string;
          States: Record<string, { Parameters: { action: string } }>;
        }[]
      ).map((b) => `${b.StartAt}:${b.States[b.StartAt]!.Parameters.action}`);
    expect(branches('Try')).toEqual(['Try Debit:hold', 'Try Credit:recordPending']);
    expect(branches('Confirm')).toEqual(['Confirm Debit:settle', 'Confirm Credit:apply']);
    expect(branches('Cancel')).toEqual(['Cancel Debit:release', 'Cancel Credit:drop']);
  });

  it('runs the happy path in 2N + 3 = 7 state transitions and cancels both when the debit hold is refused', async () => {
    const ok = await runSaga(definition, input);
    expect(ok.status).toBe('SUCCEEDED');
    expect(ok.statesEntered).toHaveLength(7);

    const refused = await runSaga(definition, input, {
      behaviours: {
        'Try Debit': () => {
          throw new BusinessError('Insufficient funds', 'INSUFFICIENT_FUNDS');
        },
      },
    });
    expect(refused.error).toBe(ErrorNames.cancelled);
    expect(
      refused.invocations
        .filter((i) => i.request.phase === 'cancel')
        .map((i) => i.request.action)
        .sort(),
    ).toEqual(['drop', 'release']);
  });

  it('adds the sparse deadline index to both account tables', () => {
    const tables = template.findResources('AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables)).toHaveLength(2);
    for (const table of Object.values(tables)) {
      expect(table['Properties']).toMatchObject({
        GlobalSecondaryIndexes: [
          {
            IndexName: RESERVATION_INDEX,
            KeySchema: [
              { AttributeName: 'pendingShard', KeyType: 'HASH' },
              { AttributeName: 'deadlineAt', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      });
    }
  });

  it('sweeps each account service every 5 minutes, with rights to query its index and invoke its function only', () => {
    template.resourceCountIs('AWS::Events::Rule', 2);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          STEPSAGA_TABLE_NAME: { Ref: id(stack.debit.table) },
          STEPSAGA_PARTICIPANT_FUNCTION: { 'Fn::GetAtt': [id(stack.debit.function), 'Arn'] },
          STEPSAGA_SWEEP_LIMIT: '200',
        }),
      },
    });
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p['Properties']).includes('DebitSweeper'))
      .flatMap(
        (p) =>
          (p['Properties'] as { PolicyDocument: { Statement: Record<string, unknown>[] } }).PolicyDocument
            .Statement,
      );
    const actions = statements.map((s) => s['Action']);
    expect(actions).toContain('dynamodb:Query');
    expect(actions).toContain('lambda:InvokeFunction');
    expect(JSON.stringify(statements.find((s) => s['Action'] === 'dynamodb:Query')!['Resource'])).toContain(
      `/index/${RESERVATION_INDEX}`,
    );
    expect(statements.find((s) => s['Action'] === 'lambda:InvokeFunction')!['Resource']).toEqual({
      'Fn::GetAtt': [id(stack.debit.function), 'Arn'],
    });
  });
});

describe('ReservationSweeper validation', () => {
  const sweeper = (every: Duration, limit?: number) => () => {
    const s = new Stack(new App(), 'S');
    const table = new dynamodb.TableV2(s, 'Table', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    });
    return new ReservationSweeper(s, 'Sweeper', {
      participant: { function: inlineFunction(s, 'Fn'), table },
      every,
      ...(limit !== undefined ? { limit } : {}),
    });
  };

  it('refuses a schedule shorter than a minute or not in whole minutes', () => {
    expect(sweeper(Duration.seconds(30))).toThrow(
      'ReservationSweeper "S/Sweeper": `every` must be a whole number of minutes, at least 1 (got 30 seconds); EventBridge schedules run at most once a minute. Use e.g. Duration.minutes(5).',
    );
    expect(sweeper(Duration.seconds(90))).toThrow('got 1 minute 30 seconds');
  });

  it('refuses a limit below 1', () => {
    expect(sweeper(Duration.minutes(1), 0)).toThrow(
      'ReservationSweeper "S/Sweeper": `limit` must be a whole number of at least 1 (got 0). Leave it unset for 200.',
    );
  });
});
