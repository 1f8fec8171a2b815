import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  DEADLINE_ATTRIBUTE,
  PENDING_ATTRIBUTE,
  RESERVATION_INDEX,
} from '../../../functions/tcc/reservation.js';
import { DEFAULT_SWEEP_LIMIT, SweeperEnv } from '../../../functions/tcc/sweeper-config.js';
import { SagaValidationError } from '../saga/saga-validation.js';
import { createBundledFunction } from '../shared/bundled-function.js';
import { libraryHandlerEntry } from '../shared/library-handler.js';
import type { ReservationSweeperProps } from './reservation-sweeper-props.js';

const SWEEPER_ENTRY = libraryHandlerEntry('tcc/sweeper-handler');

export const RESERVATION_SWEEPER_DEFAULTS = {
  every: Duration.minutes(5),
  timeout: Duration.minutes(2),
  memorySize: 256,
} as const;

/**
 * Cancels a TCC participant's reservations that outlived their deadline: an EventBridge schedule
 * runs a function that queries the participant table's sparse deadline index and invokes the
 * participant's own cancel phase for each one, so the barrier and the reservation marker decide
 * (see docs/tcc.md, "Reservation deadline"). Adds the index to a table this app defines.
 */
export class ReservationSweeper extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: ReservationSweeperProps) {
    super(scope, id);
    const { participant } = props;
    const every = props.every ?? RESERVATION_SWEEPER_DEFAULTS.every;
    const minutes = every.toMinutes({ integral: false });
    if (!Token.isUnresolved(minutes) && (minutes < 1 || !Number.isInteger(minutes))) {
      throw new SagaValidationError(
        `ReservationSweeper "${this.node.path}": \`every\` must be a whole number of minutes, at least 1 (got ${every.toHumanString()}); EventBridge schedules run at most once a minute. Use e.g. Duration.minutes(5).`,
      );
    }
    const limit = props.limit ?? DEFAULT_SWEEP_LIMIT;
    if (!Token.isUnresolved(limit) && (!Number.isInteger(limit) || limit < 1)) {
      throw new SagaValidationError(
        `ReservationSweeper "${this.node.path}": \`limit\` must be a whole number of at least 1 (got ${limit}). Leave it unset for ${DEFAULT_SWEEP_LIMIT}.`,
      );
    }

    const index = {
      indexName: RESERVATION_INDEX,
      partitionKey: { name: PENDING_ATTRIBUTE, type: dynamodb.AttributeType.STRING },
      sortKey: { name: DEADLINE_ATTRIBUTE, type: dynamodb.AttributeType.NUMBER },
      projectionType: dynamodb.ProjectionType.ALL,
    };
    if (participant.table instanceof dynamodb.TableV2 || participant.table instanceof dynamodb.Table) {
      participant.table.addGlobalSecondaryIndex(index);
    }
    // An imported table is taken on trust: it must already have the index (docs/tcc.md).

    const bundled = createBundledFunction(this, {
      entry: SWEEPER_ENTRY,
      description: `Cancels reservations of ${participant.function.node.path} that passed their deadline`,
      serviceName: 'stepsaga-reservation-sweeper',
      environment: {
        [SweeperEnv.tableName]: participant.table.tableName,
        [SweeperEnv.participantFunction]: participant.function.functionArn,
        [SweeperEnv.batchLimit]: String(limit),
      },
      timeout: props.timeout ?? RESERVATION_SWEEPER_DEFAULTS.timeout,
      memorySize: RESERVATION_SWEEPER_DEFAULTS.memorySize,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.function = bundled.function;
    this.role = bundled.role;
    this.logGroup = bundled.logGroup;

    const indexArn = Stack.of(this).formatArn({
      service: 'dynamodb',
      resource: 'table',
      resourceName: `${participant.table.tableName}/index/${RESERVATION_INDEX}`,
    });
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [indexArn] }));
    participant.table.encryptionKey?.grantDecrypt(this.role);
    // Exact ARN only: grantInvoke would also allow every version and alias (`<arn>:*`).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [participant.function.functionArn],
      }),
    );

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Sweeps expired TCC reservations of ${participant.function.node.path}`,
      schedule: events.Schedule.rate(every),
    });
    // A missed or failed sweep loses nothing: reservations stay in the index until one succeeds.
    this.rule.addTarget(
      new targets.LambdaFunction(this.function, { retryAttempts: 0, maxEventAge: Duration.minutes(1) }),
    );

    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'The schedule event carries no data: an undelivered event loses nothing, because expired reservations stay in the deadline index and the next scheduled sweep cancels them.',
    });

    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'The sweeper runs on a schedule and keeps no event: a failed sweep leaves every expired reservation in the deadline index, and the next scheduled run cancels it, so a dead-letter queue would only hold empty schedule events.',
    });
  }
}
