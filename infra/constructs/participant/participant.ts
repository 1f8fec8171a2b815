import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ERROR_STACK_TRACES_ENV, RETENTION_ENV, TABLE_NAME_ENV } from '../../../functions/runtime/config.js';
import { createBundledFunction } from '../shared/bundled-function.js';
import { acknowledgeNoAsyncInvoke } from '../shared/inherent-findings.js';
import { StepsagaValidationError } from '../shared/validation-error.js';
import { declaredOperations } from './participant-operations.js';
import type { ParticipantProps } from './participant-props.js';
import type { IParticipant, ParticipantOperations } from './participant-ref.js';
import { checkParticipantTable, PARTICIPANT_TABLE_SHAPE } from './participant-table-check.js';

export const MIN_BARRIER_RETENTION_DAYS = 7;
export const DEFAULT_BARRIER_RETENTION_DAYS = 30;
export const PARTICIPANT_METRICS_NAMESPACE = 'stepsaga';
/** The alias that always points at the version the last deploy published. */
export const PARTICIPANT_LIVE_ALIAS = 'live';

/** The item actions the participant runtime performs; nothing else (no scans, no table management). */
export const PARTICIPANT_TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:ConditionCheckItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
] as const;

/**
 * A saga participant: a Lambda function built with the participant runtime, and the DynamoDB table
 * that holds its business items, barrier items and outbox items.
 */
export class Participant extends Construct implements IParticipant {
  public readonly function: nodejs.NodejsFunction;
  /**
   * The version this deploy publishes (a new one whenever the code or the configuration changes).
   * Sagas and TCC transactions invoke it, so an execution keeps the code it started with; old
   * versions are retained when a deploy replaces them, for the executions still running on them.
   */
  public readonly version: lambda.IVersion;
  /**
   * Alias `live`, pointing at {@link version}: for callers outside a saga that should always run
   * the code of the last deploy.
   */
  public readonly liveAlias: lambda.Alias;
  public readonly table: dynamodb.ITable;
  public readonly logGroup: logs.LogGroup;
  public readonly role: iam.Role;
  public readonly participantName: string;
  /** The actions, compensations and TCC handlers the participant declared, if it did. */
  public readonly operations: ParticipantOperations | undefined;
  /** Days barrier and outbox items live before TTL removes them. */
  public readonly barrierRetentionDays: number;

  constructor(scope: Construct, id: string, props: ParticipantProps) {
    super(scope, id);
    this.participantName = props.participantName ?? id;
    this.operations = declaredOperations(this.participantName, props);
    const retentionDays = props.barrierRetentionDays ?? DEFAULT_BARRIER_RETENTION_DAYS;
    this.barrierRetentionDays = retentionDays;
    if (
      !Token.isUnresolved(retentionDays) &&
      (!Number.isInteger(retentionDays) || retentionDays < MIN_BARRIER_RETENTION_DAYS)
    ) {
      throw new StepsagaValidationError(
        `Participant "${this.participantName}": \`barrierRetentionDays\` must be a whole number of at least ${MIN_BARRIER_RETENTION_DAYS} (got ${retentionDays}); a compensation can arrive days after its action and must still find the barrier. Use ${DEFAULT_BARRIER_RETENTION_DAYS}, the default.`,
        this,
      );
    }

    if (props.table) {
      checkParticipantTable(this.participantName, props.table);
      this.table = props.table;
    } else {
      this.table = new dynamodb.TableV2(this, 'Table', {
        partitionKey: { name: PARTICIPANT_TABLE_SHAPE.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: PARTICIPANT_TABLE_SHAPE.sortKey, type: dynamodb.AttributeType.STRING },
        dynamoStream: dynamodb.StreamViewType.NEW_IMAGE,
        timeToLiveAttribute: PARTICIPANT_TABLE_SHAPE.ttlAttribute,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        billing: dynamodb.Billing.onDemand(),
        encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
        removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      });
    }

    const bundled = createBundledFunction(this, {
      entry: props.entry,
      handler: props.handler,
      runtime: props.runtime,
      bundleAwsSdk: props.bundleAwsSdk,
      description: `Participant ${this.participantName}: writes its own log group and items of its tables`,
      describeFunction: false,
      jsonLogs: false,
      serviceName: this.participantName,
      environment: {
        ...props.environment,
        [TABLE_NAME_ENV]: this.table.tableName,
        [RETENTION_ENV]: String(retentionDays),
        ...(props.errorStackTraces ? { [ERROR_STACK_TRACES_ENV]: 'true' } : {}),
        POWERTOOLS_SERVICE_NAME: this.participantName,
        POWERTOOLS_METRICS_NAMESPACE: PARTICIPANT_METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
      },
      timeout: props.timeout ?? Duration.seconds(10),
      memorySize: props.memorySize ?? 512,
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Executions started before a deploy still invoke the version they read from their
      // definition: CloudFormation must not delete it when the next version replaces it.
      currentVersionOptions: { removalPolicy: RemovalPolicy.RETAIN },
    });
    this.function = bundled.function;
    this.version = this.function.currentVersion;
    this.liveAlias = new lambda.Alias(this, 'LiveAlias', {
      aliasName: PARTICIPANT_LIVE_ALIAS,
      version: this.version,
      description: `Participant ${this.participantName}: the version of the last deploy`,
    });
    this.role = bundled.role;
    this.logGroup = bundled.logGroup;

    for (const table of [this.table, ...(props.extraTables ?? [])]) {
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: [...PARTICIPANT_TABLE_ACTIONS], resources: [table.tableArn] }),
      );
      table.encryptionKey?.grantEncryptDecrypt(this.role);
    }

    acknowledgeNoAsyncInvoke(
      this.function,
      'A participant is invoked synchronously by its saga state machine, which retries, compensates or parks on failure',
    );
  }
}
