import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { LocalCloud, LocalResourceKind } from '../../infra/local/index.js';
import type { ParticipantNames } from './run-spec.js';
import { PARTICIPANTS, type ParticipantName, WORKLOAD_MACHINES, type WorkloadName } from './workloads.js';

/** The running example app as the campaign sees it: clients and the physical names it needs. */
export interface CampaignEnvironment {
  readonly cloud: LocalCloud;
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly participants: Readonly<Record<ParticipantName, ParticipantNames>>;
  readonly machines: Readonly<Record<WorkloadName, string>>;
  readonly parkedQueues: Readonly<Record<WorkloadName, string>>;
  /** PlaceOrder's event paths, when the app has them (relays → order-events → inbox; outcome channel). */
  readonly eventPath?: EventPath;
  /** Prefix of every id this campaign creates, so that two campaigns on one cloud never collide. */
  readonly prefix: string;
  /** Runs started so far (ids are `<prefix><run>-...`). */
  runs: number;
  /**
   * Crashes the cloud and starts it again on its persist folder, replacing this environment's
   * cloud, clients and queue URLs (the engines get new ports). Absent without persistence.
   */
  restartCloud?: () => Promise<void>;
  /** While a restart is under way: what waits on the cloud waits for the new one. */
  restarting?: Promise<void>;
}

/**
 * What a crash does to the cloud in-process: it stops with its execution journal cut first, so that
 * Step Functions comes back exactly as it was at that instant (a task in flight runs again), then
 * starts again on the same folder.
 */
export function restartOnCrash(
  env: CampaignEnvironment,
  start: () => Promise<LocalCloud>,
): () => Promise<void> {
  return async () => {
    await env.cloud.stop();
    env.dynamodb.destroy();
    env.sqs.destroy();
    const fresh = await campaignEnvironment(await start(), env.prefix);
    Object.assign(env, {
      ...fresh,
      runs: env.runs,
      restartCloud: env.restartCloud,
      restarting: env.restarting,
    });
  };
}

export interface EventPath {
  /** The inbox consumer's table (order history) and the outcome channel target's table. */
  readonly orderHistoryTable: string;
  readonly outcomeLogTable: string;
  /** Outcome types PlaceOrder publishes (its `Publish <type>` states): the others are never sent. */
  readonly publishedOutcomes: readonly string[];
  /** The outcome channel notifier's status records (`notificationId` = execution ARN). */
  readonly notificationStatusTable: string;
  /** Name of the order-events queue (queue fault rules target it). */
  readonly orderEventsQueue: string;
  /** One relay function per participant table. */
  readonly relayFunctions: readonly string[];
  /** Queues that must be empty before a run is checked (work still in flight). */
  readonly busyQueues: readonly string[];
  /** Queues where a lost event or notification would end up: each must stay empty. */
  readonly deadLetterQueues: readonly string[];
}

async function eventPathOf(cloud: LocalCloud): Promise<EventPath | undefined> {
  const under = (kind: LocalResourceKind, prefix: string) =>
    cloud.resources.list(kind).filter((r) => r.path?.startsWith(`StepsagaExample/${prefix}/`));
  const [history] = under('table', 'OrderHistory/Table');
  const [outcomes] = under('table', 'OutcomeLog/Table');
  const [events] = under('queue', 'OrderEvents');
  const [status] = under('table', 'OrderOutcomes/StatusTable');
  if (!history || !outcomes || !events || !status) return undefined;
  const relays = ['Inventory', 'Payment', 'Shipping'].flatMap((p) => under('function', `EventsFrom${p}`));
  const queues = (prefixes: string[]) => prefixes.flatMap((p) => under('queue', p)).map((q) => q.url ?? '');
  return {
    orderHistoryTable: history.name,
    outcomeLogTable: outcomes.name,
    notificationStatusTable: status.name,
    publishedOutcomes: await publishedOutcomes(cloud),
    orderEventsQueue: events.name,
    relayFunctions: relays.map((r) => r.name),
    // The outcome queue is not waited on: a failed delivery sits there for its backoff (10 s and up).
    busyQueues: queues(['OrderEvents']),
    deadLetterQueues: queues([
      'OrderEventsDeadLetterQueue',
      'OrderOutcomes/DeadLetterQueue',
      ...['Inventory', 'Payment', 'Shipping'].map((p) => `EventsFrom${p}/FailureQueue`),
    ]),
  };
}

/** The outcome types a PlaceOrder definition publishes: its `Publish <type>` states. */
async function publishedOutcomes(cloud: LocalCloud): Promise<string[]> {
  const machine = cloud.resources
    .list('stateMachine')
    .find((r) => r.path?.startsWith('StepsagaExample/PlaceOrder/'));
  if (!machine) return [];
  const { definition } = (await cloud.stepFunctions.call('DescribeStateMachine', {
    stateMachineArn: machine.arn,
  })) as { definition: string };
  const states = Object.keys((JSON.parse(definition) as { States?: object }).States ?? {});
  return states.filter((name) => name.startsWith('Publish ')).map((name) => name.slice('Publish '.length));
}

function byPath(cloud: LocalCloud, kind: LocalResourceKind, prefix: string) {
  const found = cloud.resources.list(kind).filter((r) => r.path?.startsWith(`${prefix}/`));
  if (found.length !== 1 || !found[0])
    throw new Error(
      `expected one ${kind} under ${prefix} in the app, found ${found.length} (${found.map((r) => r.path).join(', ') || 'none'}): is the example app's stack missing?`,
    );
  return found[0];
}

export async function campaignEnvironment(
  cloud: LocalCloud,
  prefix = `k${Date.now().toString(36)}`,
): Promise<CampaignEnvironment> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const participants = Object.fromEntries(
    PARTICIPANTS.map(({ participant, stack }) => [
      participant,
      {
        functionName: byPath(cloud, 'function', `${stack}/${participant}/Function`).name,
        tableName: byPath(cloud, 'table', `${stack}/${participant}/Table`).name,
      },
    ]),
  ) as Record<ParticipantName, ParticipantNames>;
  const workloads = Object.keys(WORKLOAD_MACHINES) as WorkloadName[];
  const eventPath = await eventPathOf(cloud);
  return {
    cloud,
    dynamodb: new DynamoDBClient({ endpoint: cloud.dynamoDbEndpoint, region: cloud.region, credentials }),
    sqs: new SQSClient({ endpoint: cloud.sqsEndpoint, region: cloud.region, credentials }),
    participants,
    machines: Object.fromEntries(
      workloads.map((w) => [w, byPath(cloud, 'stateMachine', WORKLOAD_MACHINES[w]).arn]),
    ) as Record<WorkloadName, string>,
    parkedQueues: Object.fromEntries(
      workloads.map((w) => [w, byPath(cloud, 'queue', `${WORKLOAD_MACHINES[w]}/ParkedQueue`).url ?? '']),
    ) as Record<WorkloadName, string>,
    ...(eventPath ? { eventPath } : {}),
    prefix,
    runs: 0,
  };
}
