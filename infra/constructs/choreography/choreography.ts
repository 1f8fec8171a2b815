import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ChoreographyEnv } from '../../../functions/choreography/routes.js';
import { OUTBOX_INSERT_FILTER, OUTBOX_RELAY_DEFAULTS } from '../outbox-relay/outbox-relay.js';
import { checkRelayTable } from '../outbox-relay/table-stream-check.js';
import { createBundledFunction, DEFAULT_SYSTEM_FUNCTION_TIMEOUT } from '../shared/bundled-function.js';
import { alarmOnAnyMessage } from '../shared/first-occurrence-alarms.js';
import { libraryHandlerEntry } from '../shared/library-handler.js';
import { secureQueue } from '../shared/secure-queue.js';
import { streamRelaySource } from '../shared/stream-relay-source.js';
import { StepsagaValidationError } from '../shared/validation-error.js';
import type { ChoreographyEvent, ChoreographyParticipant, ChoreographyProps } from './choreography-props.js';

export const CHOREOGRAPHY_DEFAULTS = { maxReceiveCount: 5, batchSize: 10, trackerRetentionDays: 30 } as const;
/** AWS's guidance for SQS event sources: visibility ≥ 6 × the function timeout. */
const VISIBILITY_FACTOR = 6;
const NAME = /^[A-Za-z][A-Za-z0-9]*$/;

const ROUTER_ENTRY = libraryHandlerEntry('choreography/router-handler');
const TRACKER_ENTRY = libraryHandlerEntry('choreography/tracker-handler');

/** The actions the tracker's inbox transaction uses on its table (read, then one TransactWriteItems). */
const TRACKER_WRITE_ACTIONS = ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];

interface Resolved {
  readonly name: string;
  readonly spec: ChoreographyParticipant;
  readonly consumes: readonly string[];
  readonly emits: Readonly<Record<string, ChoreographyEvent>>;
}

/**
 * A choreographed saga: participants react to each other's outbox events, with no coordinator.
 *
 * Per consuming participant: a queue (+ DLQ) with an SQS event source on its function. Per emitting
 * participant: a router function on its table's stream that sends each outbox event to the queue of
 * every participant consuming its type (and to the tracker's). Fan-out is done by the router rather
 * than SNS or EventBridge so that the whole choreography runs on DynamoDB streams, Lambda and SQS,
 * which the embedded local cloud emulates; each table keeps a single stream reader.
 */
export class Choreography extends Construct {
  public readonly sagaName: string;
  /** Each consuming participant's queue, by participant name. */
  public readonly queues: Readonly<Record<string, sqs.Queue>>;
  public readonly deadLetterQueues: Readonly<Record<string, sqs.Queue>>;
  /** Each emitting participant's router, by participant name. */
  public readonly routers: Readonly<Record<string, nodejs.NodejsFunction>>;
  /** Stream records a router could not route after its retries (metadata only), by participant name. */
  public readonly routerFailureQueues: Readonly<Record<string, sqs.Queue>>;
  /** Alarms: any message in a dead-letter or router failure queue. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly trackerTable?: dynamodb.TableV2;
  public readonly tracker?: nodejs.NodejsFunction;
  public readonly trackerQueue?: sqs.Queue;
  /** Event type → the queues it is sent to (URLs are tokens until deployment). */
  public readonly routes: Readonly<Record<string, readonly sqs.IQueue[]>>;

  constructor(scope: Construct, id: string, props: ChoreographyProps) {
    super(scope, id);
    this.sagaName = props.sagaName ?? id;
    const where = `Choreography "${this.sagaName}"`;
    // Participants key their barriers by saga name and saga id, separated by `#`.
    if (!Token.isUnresolved(this.sagaName) && this.sagaName.includes('#')) {
      throw new StepsagaValidationError(
        `${where}: the saga name contains "#", which participants refuse (it separates the saga name from the saga id in their barrier keys). Pass a \`sagaName\` without "#".`,
        this,
      );
    }
    const participants = this.resolve(where, props);
    const maxReceiveCount = props.maxReceiveCount ?? CHOREOGRAPHY_DEFAULTS.maxReceiveCount;
    const batchSize = props.batchSize ?? CHOREOGRAPHY_DEFAULTS.batchSize;
    for (const [field, value, max] of [
      ['maxReceiveCount', maxReceiveCount, 1_000],
      ['batchSize', batchSize, 10],
    ] as const) {
      if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1 || value > max)) {
        throw new StepsagaValidationError(
          `${where}: \`${field}\` must be a whole number from 1 to ${max} (got ${value}).`,
          this,
        );
      }
    }
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const alarms: cloudwatch.Alarm[] = [];
    const queues: Record<string, sqs.Queue> = {};
    const deadLetterQueues: Record<string, sqs.Queue> = {};
    const routes: Record<string, sqs.IQueue[]> = {};
    const subscribe = (eventType: string, queue: sqs.IQueue) => {
      routes[eventType] = [...(routes[eventType] ?? []), queue];
    };

    const consumerQueue = (name: string, fn: lambda.IFunction, description: string): sqs.Queue => {
      const scope = new Construct(this, `${name}Inbox`);
      const timeout =
        fn instanceof lambda.Function && fn.timeout ? fn.timeout : DEFAULT_SYSTEM_FUNCTION_TIMEOUT;
      const visibilityTimeout =
        props.visibilityTimeout ?? Duration.seconds(timeout.toSeconds() * VISIBILITY_FACTOR);
      if (
        !visibilityTimeout.isUnresolved() &&
        !timeout.isUnresolved() &&
        visibilityTimeout.toSeconds() < timeout.toSeconds() * VISIBILITY_FACTOR
      ) {
        throw new StepsagaValidationError(
          `${where}: the visibility timeout (${visibilityTimeout.toSeconds()} s) must be at least ${VISIBILITY_FACTOR} × the timeout of ${description} (${timeout.toSeconds()} s), or an event still being handled reappears. Raise \`visibilityTimeout\` to at least ${timeout.toSeconds() * VISIBILITY_FACTOR} s.`,
          this,
        );
      }
      const dlq = secureQueue(scope, 'DeadLetterQueue');
      const queue = secureQueue(scope, 'Queue', {
        visibilityTimeout,
        deadLetterQueue: { queue: dlq, maxReceiveCount },
      });
      fn.addEventSource(new sources.SqsEventSource(queue, { batchSize, reportBatchItemFailures: true }));
      alarms.push(
        alarmOnAnyMessage(
          scope,
          'DeadLetterAlarm',
          dlq,
          `${where}: events ${description} could not handle after ${maxReceiveCount} attempts; the saga is stuck until they are redriven.`,
        ),
      );
      queues[name] = queue;
      deadLetterQueues[name] = dlq;
      return queue;
    };

    for (const participant of participants) {
      if (participant.consumes.length === 0) continue;
      const queue = consumerQueue(
        participant.name,
        participant.spec.member.function,
        `participant ${participant.name}`,
      );
      for (const eventType of participant.consumes) subscribe(eventType, queue);
    }

    const allEvents: Record<string, ChoreographyEvent> = Object.assign(
      {},
      ...participants.map((p) => p.emits),
    );
    if (props.tracker ?? true) {
      const scope = new Construct(this, 'Tracker');
      this.trackerTable = new dynamodb.TableV2(scope, 'Table', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
        timeToLiveAttribute: 'expiresAt',
        billing: dynamodb.Billing.onDemand(),
        encryption: dynamodb.TableEncryptionV2.awsManagedKey(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: props.trackerRemovalPolicy ?? RemovalPolicy.RETAIN,
      });
      const bundled = createBundledFunction(scope, {
        entry: TRACKER_ENTRY,
        description: `stepsaga saga tracker of ${this.node.path}`,
        serviceName: 'stepsaga-choreography-tracker',
        environment: {
          [ChoreographyEnv.trackerTable]: this.trackerTable.tableName,
          [ChoreographyEnv.trackedEvents]: JSON.stringify(allEvents),
        },
        timeout: DEFAULT_SYSTEM_FUNCTION_TIMEOUT,
        memorySize: 256,
        logRetention,
      });
      this.tracker = bundled.function;
      bundled.role.addToPolicy(
        new iam.PolicyStatement({ actions: TRACKER_WRITE_ACTIONS, resources: [this.trackerTable.tableArn] }),
      );
      this.trackerQueue = consumerQueue('Tracker', this.tracker, 'the saga tracker');
      for (const eventType of Object.keys(allEvents)) subscribe(eventType, this.trackerQueue);
    }

    const routers: Record<string, nodejs.NodejsFunction> = {};
    const failureQueues: Record<string, sqs.Queue> = {};
    for (const participant of participants) {
      const emitted = Object.keys(participant.emits);
      if (emitted.length === 0) continue;
      const table = participant.spec.member.table;
      checkRelayTable(`${where}, participant "${participant.name}"`, table);
      const own: Record<string, string[]> = {};
      const targets = new Map<string, sqs.IQueue>();
      for (const eventType of emitted) {
        own[eventType] = (routes[eventType] ?? []).map((queue) => {
          targets.set(queue.node.path, queue);
          return queue.queueUrl;
        });
      }
      const scope = new Construct(this, `${participant.name}Router`);
      const bundled = createBundledFunction(scope, {
        entry: ROUTER_ENTRY,
        description: `stepsaga choreography router: ${participant.name} outbox to its subscribers`,
        serviceName: 'stepsaga-choreography-router',
        environment: { [ChoreographyEnv.routes]: Stack.of(this).toJsonString(own) },
        timeout: DEFAULT_SYSTEM_FUNCTION_TIMEOUT,
        memorySize: OUTBOX_RELAY_DEFAULTS.memorySize,
        logRetention,
      });
      if (targets.size > 0) {
        bundled.role.addToPolicy(
          new iam.PolicyStatement({
            actions: ['sqs:SendMessage'],
            resources: [...targets.values()].map((queue) => queue.queueArn),
          }),
        );
      }
      const failureQueue = secureQueue(scope, 'FailureQueue');
      bundled.function.addEventSource(
        streamRelaySource(table, {
          filter: OUTBOX_INSERT_FILTER,
          batchSize: OUTBOX_RELAY_DEFAULTS.batchSize,
          maxRecordAge: OUTBOX_RELAY_DEFAULTS.maxRecordAge,
          retryAttempts: OUTBOX_RELAY_DEFAULTS.retryAttempts,
          failureQueue,
        }),
      );
      alarms.push(
        alarmOnAnyMessage(
          scope,
          'FailureQueueAlarm',
          failureQueue,
          `${where}: outbox events of ${participant.name} could not be routed; see ${scope.node.path}/FailureQueue.`,
        ),
      );
      routers[participant.name] = bundled.function;
      failureQueues[participant.name] = failureQueue;
    }

    this.queues = queues;
    this.deadLetterQueues = deadLetterQueues;
    this.routers = routers;
    this.routerFailureQueues = failureQueues;
    this.alarms = alarms;
    this.routes = routes;
  }

  /** Lets `grantee` call `getChoreographyState` on the tracker table. */
  public grantReadState(grantee: iam.IGrantable): iam.Grant {
    if (!this.trackerTable) {
      throw new StepsagaValidationError(
        `Choreography "${this.sagaName}" has no tracker (\`tracker: false\`), so there is no state to read. Remove \`tracker: false\`.`,
        this,
      );
    }
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:Query'],
      resourceArns: [this.trackerTable.tableArn],
    });
  }

  private resolve(where: string, props: ChoreographyProps): Resolved[] {
    if (props.participants.length === 0) {
      throw new StepsagaValidationError(
        `${where} has no participants. Declare at least one in \`participants\`.`,
        this,
      );
    }
    const resolved = props.participants.map((spec, index): Resolved => {
      const name = spec.name ?? spec.member.participantName;
      if (name === undefined || Token.isUnresolved(name) || !NAME.test(name)) {
        throw new StepsagaValidationError(
          `${where}: participant #${index + 1} needs a \`name\` of letters and digits, starting with a letter (got ${JSON.stringify(name ?? null)}). Set \`name\`, e.g. "Inventory".`,
          this,
        );
      }
      return { name, spec, consumes: spec.consumes ?? [], emits: spec.emits ?? {} };
    });
    const names = new Set<string>();
    const producers = new Map<string, string>();
    for (const participant of resolved) {
      if (names.has(participant.name) || participant.name === 'Tracker') {
        throw new StepsagaValidationError(
          `${where}: the participant name "${participant.name}" is used twice (or is "Tracker", reserved for the saga tracker). Give each participant its own \`name\`.`,
          this,
        );
      }
      names.add(participant.name);
      for (const eventType of Object.keys(participant.emits)) {
        const other = producers.get(eventType);
        if (other) {
          throw new StepsagaValidationError(
            `${where}: event type "${eventType}" is emitted by both ${other} and ${participant.name}; an event type has one producer. Rename one of them.`,
            this,
          );
        }
        producers.set(eventType, participant.name);
      }
    }
    for (const participant of resolved) {
      for (const eventType of participant.consumes) {
        if (!producers.has(eventType)) {
          throw new StepsagaValidationError(
            `${where}: ${participant.name} consumes "${eventType}", which no participant emits (emitted: ${[...producers.keys()].join(', ') || 'none'}). Fix the name, or add it to the producer's \`emits\`.`,
            this,
          );
        }
      }
    }
    return resolved;
  }
}
