import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { redriveDeadLetters } from '../../../functions/notifier/redrive.js';
import { BARRIER_PREFIX, OUTBOX_PREFIX } from '../../../functions/runtime/keys.js';
import type { ParkedDecisionType } from '../../../functions/runtime/parked-decision.js';
import { decideParkedSaga, findParkedQueues, listParkedSagas } from '../../operations/parked-sagas.js';
import { redriveExecution } from '../../operations/redrive.js';
import type { GatewayService } from '../gateway/backend.js';
import type { LocalResource, LocalResourceIndex } from '../types.js';
import { buildTimeline } from './execution-timeline.js';

/** What the console reads: the cloud's in-process Step Functions, its resources and its engines. */
export interface ConsoleBackend {
  readonly region: string;
  readonly dynamoDbEndpoint: string;
  readonly sqsEndpoint: string;
  readonly stepFunctions: GatewayService;
  /** The app's resources; without them the queue and table views list nothing. */
  readonly resources?: LocalResourceIndex;
}

/** An API error with the HTTP status the console answers it with. */
export class ConsoleApiError extends Error {
  override readonly name = 'ConsoleApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];
const DECISIONS: readonly string[] = ['retry', 'skip', 'abandon'];
/** Items a table view reads at most: the console is for looking, not for exporting. */
const TABLE_ITEM_LIMIT = 200;
const EXECUTION_LIMIT = 300;

/** Dates from the in-process service are `Date`s or epoch seconds; the browser gets ISO strings. */
function isoOf(value: unknown): string | undefined {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number') return new Date(value * 1000).toISOString();
  if (typeof value === 'string') return value;
  return undefined;
}

/** A construct path without the stack and the CloudFormation leaf: `PlaceOrder/ParkedQueue`. */
function label(resource: LocalResource): string {
  if (!resource.path) return resource.name;
  return resource.path
    .split('/')
    .slice(1)
    .filter((part) => part !== 'Resource' && part !== 'Default')
    .join('/');
}

interface MachineSummary {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly type?: string;
}

interface ExecutionItem {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate?: unknown;
  readonly stopDate?: unknown;
  readonly redriveCount?: number;
}

/**
 * The console's JSON API: one method per route, each built on the local cloud's own services (Step
 * Functions in-process, DynamoDB Local, the SQS emulator) and on the operator API that the
 * `stepsaga` CLI also uses, so a decision taken in the browser is the same call as `stepsaga parked`.
 */
export class ConsoleApi {
  private clients: { sfn: SFNClient; sqs: SQSClient; dynamodb: DynamoDBClient } | undefined;

  constructor(
    private readonly backend: ConsoleBackend,
    /** The gateway's own endpoint, once it listens: the operator API speaks to Step Functions through it. */
    private readonly selfEndpoint: () => string,
  ) {}

  private get sdk() {
    if (!this.clients) {
      const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
      const region = this.backend.region;
      this.clients = {
        sfn: new SFNClient({ endpoint: this.selfEndpoint(), region, credentials }),
        sqs: new SQSClient({ endpoint: this.backend.sqsEndpoint, region, credentials }),
        dynamodb: new DynamoDBClient({ endpoint: this.backend.dynamoDbEndpoint, region, credentials }),
      };
    }
    return this.clients;
  }

  destroy(): void {
    this.clients?.sfn.destroy();
    this.clients?.sqs.destroy();
    this.clients?.dynamodb.destroy();
    this.clients = undefined;
  }

  /** Answers one API route; `body` is the parsed JSON of a POST. */
  async route(method: string, path: string, query: URLSearchParams, body: unknown): Promise<unknown> {
    const input = (body ?? {}) as Record<string, unknown>;
    switch (`${method} ${path}`) {
      case 'GET overview':
        return this.overview();
      case 'GET state-machines':
        return { stateMachines: await this.stateMachines() };
      case 'GET state-machine':
        return this.stateMachine(required(query.get('arn'), 'arn'));
      case 'GET executions':
        return this.executions(query.get('stateMachineArn') ?? undefined, query.get('status') ?? undefined);
      case 'GET execution':
        return this.execution(required(query.get('arn'), 'arn'));
      case 'POST execution/redrive':
        return redriveExecution(this.sdk.sfn, required(input.executionArn, 'executionArn'));
      case 'GET parked':
        // The task token stays on the server: a decision names the execution, never the token.
        return {
          parked: (await listParkedSagas(this.sdk)).map(
            ({ message: { taskToken: _, ...message }, ...rest }) => ({
              ...rest,
              message,
            }),
          ),
        };
      case 'POST parked/decide':
        return this.decide(input);
      case 'GET queues':
        return { queues: await this.queues() };
      case 'POST queues/redrive':
        return this.redriveQueue(required(input.queueUrl, 'queueUrl'));
      case 'GET tables':
        return { tables: this.resourcesOf('table').map((t) => ({ name: t.name, label: label(t) })) };
      case 'GET table':
        return this.table(required(query.get('name'), 'name'));
      default:
        throw new ConsoleApiError(404, `The console has no API route ${method} /${path}.`);
    }
  }

  private resourcesOf(kind: 'table' | 'queue'): LocalResource[] {
    return this.backend.resources?.list(kind) ?? [];
  }

  private async overview() {
    const machines = await this.stateMachines();
    const counts: Record<string, number> = {};
    for (const machine of machines) {
      for (const execution of await this.listExecutions(machine)) {
        counts[execution.status] = (counts[execution.status] ?? 0) + 1;
      }
    }
    return {
      region: this.backend.region,
      stateMachines: machines.length,
      queues: this.resourcesOf('queue').length,
      tables: this.resourcesOf('table').length,
      executions: counts,
    };
  }

  private async stateMachines(): Promise<MachineSummary[]> {
    const { stateMachines = [] } = (await this.backend.stepFunctions.call('ListStateMachines', {})) as {
      stateMachines?: MachineSummary[];
    };
    return stateMachines.map((m) => ({ stateMachineArn: m.stateMachineArn, name: m.name, type: m.type }));
  }

  private async stateMachine(arn: string) {
    const described = (await this.backend.stepFunctions.call('DescribeStateMachine', {
      stateMachineArn: arn,
    })) as { name: string; type: string; definition: string; stateMachineArn: string };
    const executions = await this.listExecutions({
      stateMachineArn: arn,
      name: described.name,
      type: described.type,
    });
    const counts: Record<string, number> = {};
    for (const e of executions) counts[e.status] = (counts[e.status] ?? 0) + 1;
    return {
      stateMachineArn: described.stateMachineArn,
      name: described.name,
      type: described.type,
      definition: JSON.parse(described.definition) as unknown,
      executions: counts,
    };
  }

  private async listExecutions(machine: MachineSummary, status?: string): Promise<ExecutionItem[]> {
    // Express executions are not listed by Step Functions, locally as on AWS.
    if (machine.type === 'EXPRESS') return [];
    const items: ExecutionItem[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await this.backend.stepFunctions.call('ListExecutions', {
        stateMachineArn: machine.stateMachineArn,
        maxResults: 1000,
        ...(status ? { statusFilter: status } : {}),
        ...(nextToken ? { nextToken } : {}),
      })) as { executions: ExecutionItem[]; nextToken?: string };
      items.push(...page.executions);
      nextToken = page.nextToken;
    } while (nextToken && items.length < EXECUTION_LIMIT);
    return items;
  }

  private async executions(stateMachineArn: string | undefined, status: string | undefined) {
    if (status !== undefined && !EXECUTION_STATUSES.includes(status)) {
      throw new ConsoleApiError(
        400,
        `Unknown status "${status}"; use one of ${EXECUTION_STATUSES.join(', ')}.`,
      );
    }
    const machines = (await this.stateMachines()).filter(
      (m) => stateMachineArn === undefined || m.stateMachineArn === stateMachineArn,
    );
    const counts: Record<string, number> = {};
    const rows: Array<ExecutionItem & { stateMachineName: string }> = [];
    for (const machine of machines) {
      for (const e of await this.listExecutions(machine)) {
        counts[e.status] = (counts[e.status] ?? 0) + 1;
        if (status === undefined || e.status === status) rows.push({ ...e, stateMachineName: machine.name });
      }
    }
    const executions = rows
      .map((e) => ({
        executionArn: e.executionArn,
        name: e.name,
        stateMachineArn: e.stateMachineArn,
        stateMachineName: e.stateMachineName,
        status: e.status,
        startDate: isoOf(e.startDate),
        stopDate: isoOf(e.stopDate),
        redriveCount: e.redriveCount ?? 0,
      }))
      .sort((a, b) => (b.startDate ?? '').localeCompare(a.startDate ?? ''))
      .slice(0, EXECUTION_LIMIT);
    return { executions, counts };
  }

  private async execution(arn: string) {
    const described = (await this.backend.stepFunctions.call('DescribeExecution', {
      executionArn: arn,
    })) as Record<string, unknown>;
    const machine = (await this.backend.stepFunctions.call('DescribeStateMachine', {
      stateMachineArn: described.stateMachineArn,
    })) as { name: string; definition: string };
    const definition = JSON.parse(machine.definition) as { States?: Record<string, { Type?: string }> };
    const types = new Map(Object.entries(definition.States ?? {}).map(([name, s]) => [name, String(s.Type)]));
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await this.backend.stepFunctions.call('GetExecutionHistory', {
        executionArn: arn,
        maxResults: 1000,
        ...(nextToken ? { nextToken } : {}),
      })) as { events: HistoryEvent[]; nextToken?: string };
      events.push(...page.events);
      nextToken = page.nextToken;
    } while (nextToken);
    return {
      execution: {
        executionArn: arn,
        name: described.name,
        stateMachineArn: described.stateMachineArn,
        stateMachineName: machine.name,
        status: described.status,
        startDate: isoOf(described.startDate),
        stopDate: isoOf(described.stopDate),
        input: described.input,
        output: described.output,
        error: described.error,
        cause: described.cause,
        redriveCount: described.redriveCount ?? 0,
        redriveStatus: described.redriveStatus,
      },
      definition,
      timeline: buildTimeline(events, types),
    };
  }

  private async decide(input: Record<string, unknown>) {
    const decision = required(input.decision, 'decision');
    if (!DECISIONS.includes(decision)) {
      throw new ConsoleApiError(400, `"${decision}" is not a decision; use one of ${DECISIONS.join(', ')}.`);
    }
    const parked = await decideParkedSaga(this.sdk, {
      saga: required(input.executionArn, 'executionArn'),
      decision: decision as ParkedDecisionType,
      by: 'stepsaga console',
      ...(typeof input.note === 'string' && input.note ? { note: input.note } : {}),
    });
    return { decided: decision, executionArn: parked.message.executionArn, sagaId: parked.message.sagaId };
  }

  private async queues() {
    const queues = this.resourcesOf('queue');
    const parkedUrls = new Set((await findParkedQueues(this.sdk.sfn)).map((p) => p.queueUrl));
    const described = await Promise.all(
      queues.map(async (queue) => {
        const { Attributes = {} } = await this.sdk.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queue.url,
            AttributeNames: [
              'RedrivePolicy',
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        const target = Attributes.RedrivePolicy
          ? (JSON.parse(Attributes.RedrivePolicy) as {
              deadLetterTargetArn?: string;
              maxReceiveCount?: unknown;
            })
          : undefined;
        return {
          name: queue.name,
          label: label(queue),
          url: queue.url ?? '',
          arn: queue.arn,
          visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
          delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
          deadLetterTargetArn: target?.deadLetterTargetArn,
          maxReceiveCount: target?.maxReceiveCount === undefined ? undefined : Number(target.maxReceiveCount),
          parked: queue.url !== undefined && parkedUrls.has(queue.url),
        };
      }),
    );
    return described.map((queue) => {
      const sources = described.filter((q) => q.deadLetterTargetArn === queue.arn).map((q) => q.label);
      return {
        ...queue,
        role: sources.length > 0 ? 'dead-letter' : queue.parked ? 'parked' : 'queue',
        sources,
      };
    });
  }

  private async redriveQueue(queueUrl: string) {
    const queues = await this.queues();
    const dlq = queues.find((q) => q.url === queueUrl);
    if (dlq?.role !== 'dead-letter') {
      throw new ConsoleApiError(400, `${queueUrl} is not a dead-letter queue of the app.`);
    }
    const sources = queues.filter((q) => q.deadLetterTargetArn === dlq.arn);
    if (sources.length !== 1 || !sources[0]) {
      throw new ConsoleApiError(
        409,
        `${dlq.label} is the dead-letter queue of ${sources.length} queues (${sources.map((s) => s.label).join(', ')}); redrive it with "stepsaga dlq redrive" and name the source.`,
      );
    }
    const result = await redriveDeadLetters({
      dlqUrl: dlq.url,
      sourceUrl: sources[0].url,
      sqs: this.sdk.sqs,
    });
    return { queue: dlq.label, to: sources[0].label, ...result };
  }

  private async table(name: string) {
    const table = this.resourcesOf('table').find((t) => t.name === name);
    if (!table) throw new ConsoleApiError(404, `The app has no table "${name}".`);
    const { Items = [], LastEvaluatedKey } = await this.sdk.dynamodb.send(
      new ScanCommand({ TableName: name, Limit: TABLE_ITEM_LIMIT }),
    );
    const items = Items.map((item) => unmarshall(item));
    const kindOf = (item: Record<string, unknown>) => {
      const pk = String(item.pk ?? '');
      return pk.startsWith(BARRIER_PREFIX) ? 'barrier' : pk.startsWith(OUTBOX_PREFIX) ? 'outbox' : 'business';
    };
    return {
      name,
      label: label(table),
      truncated: LastEvaluatedKey !== undefined,
      items: items.map((item) => ({ kind: kindOf(item), item })),
    };
  }
}

function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ConsoleApiError(400, `"${name}" is required.`);
  }
  return value;
}
