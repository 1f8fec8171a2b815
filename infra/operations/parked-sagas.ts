import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ListStateMachinesCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { ParkedSagaMessage } from '../../functions/runtime/contract.js';
import {
  type ParkedDecision,
  ParkedDecisions,
  type ParkedDecisionType,
} from '../../functions/runtime/parked-decision.js';
import { ParkStatePrefixes } from '../constructs/orchestration/park-state-names.js';
import { InvalidDecisionError, ParkedSagaNotFoundError, ParkedSagaNotWaitingError } from './errors.js';

/**
 * The operator's side of parked sagas, on AWS or the local cloud (whichever the clients point at).
 *
 * Parked sagas are read from the parked queues themselves, found through the state machines'
 * definitions (the `Park <state>` Tasks name their queue), so nothing else has to be deployed or
 * kept in step. Reading never consumes: every message is received with a short visibility timeout
 * and made visible again at once. A decision deletes the execution's parked messages once
 * SendTaskSuccess has been accepted, so the queue (and its alarm) holds only sagas still waiting
 * or abandoned by their decision timeout.
 */
export interface OperatorClients {
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
}

/** A state machine with park states, and the queue they send to. */
export interface ParkedQueueRef {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly queueUrl: string;
}

export interface ParkedSaga {
  /** The latest parked message of the execution (an execution parks again if a retry fails again). */
  readonly message: ParkedSagaMessage;
  readonly queueUrl: string;
  readonly stateMachineArn: string;
  /** The execution's status now: RUNNING while it waits, else how it ended (or UNKNOWN). */
  readonly executionStatus: string;
  /** Whether a decision can still be sent: the execution runs and the message has a task token. */
  readonly waiting: boolean;
  /** How many parked messages the execution has in the queue (one per time it parked). */
  readonly messages: number;
}

const PEEK_VISIBILITY_SECONDS = 30;

/** Every queue some state machine parks to; `saga` filters by state machine name (exact or part). */
export async function findParkedQueues(sfn: SFNClient, saga?: string): Promise<ParkedQueueRef[]> {
  const refs: ParkedQueueRef[] = [];
  let nextToken: string | undefined;
  const machines: { stateMachineArn?: string; name?: string }[] = [];
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    machines.push(...(page.stateMachines ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const needle = saga?.toLowerCase();
  const exact = machines.filter((m) => m.name === saga);
  const chosen =
    saga === undefined
      ? machines
      : exact.length > 0
        ? exact
        : machines.filter((m) => m.name?.toLowerCase().includes(needle ?? ''));
  for (const machine of chosen) {
    if (!machine.stateMachineArn) continue;
    const { definition } = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: machine.stateMachineArn }),
    );
    const urls = new Set<string>();
    const states = (JSON.parse(definition ?? '{}') as { States?: Record<string, Record<string, unknown>> })
      .States;
    for (const [name, state] of Object.entries(states ?? {})) {
      const queueUrl = (state['Parameters'] as { QueueUrl?: unknown } | undefined)?.QueueUrl;
      if (name.startsWith(ParkStatePrefixes.park) && typeof queueUrl === 'string') urls.add(queueUrl);
    }
    for (const queueUrl of urls) {
      refs.push({ stateMachineArn: machine.stateMachineArn, stateMachineName: machine.name ?? '', queueUrl });
    }
  }
  return refs;
}

/**
 * Receives every message of a queue with a short visibility timeout, lets `take` pick some, deletes
 * those and makes all the others visible again at once (so a listing loses nothing).
 */
async function scanQueue(
  sqs: SQSClient,
  queueUrl: string,
  take: (messages: readonly Message[]) => readonly Message[] = () => [],
): Promise<Message[]> {
  const seen: Message[] = [];
  let taken: readonly Message[] = [];
  try {
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: PEEK_VISIBILITY_SECONDS,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) break;
      seen.push(...Messages);
    }
    taken = take(seen);
    for (let i = 0; i < taken.length; i += 10) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: taken
            .slice(i, i + 10)
            .map((m, j) => ({ Id: `d${i + j}`, ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
  } finally {
    const back = seen.filter((m) => !taken.includes(m));
    for (let i = 0; i < back.length; i += 10) {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: back
            .slice(i, i + 10)
            .map((m, j) => ({ Id: `v${i + j}`, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
  }
  return seen;
}

function parse(message: Message): ParkedSagaMessage | undefined {
  try {
    const body = JSON.parse(message.Body ?? '') as Partial<ParkedSagaMessage>;
    return typeof body.executionArn === 'string' && typeof body.sagaId === 'string'
      ? (body as ParkedSagaMessage)
      : undefined;
  } catch {
    return undefined;
  }
}

async function statusOf(sfn: SFNClient, executionArn: string): Promise<string> {
  try {
    const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return status ?? 'UNKNOWN';
  } catch {
    return 'UNKNOWN';
  }
}

function latestPerExecution(
  ref: ParkedQueueRef,
  messages: readonly Message[],
): Map<string, { message: ParkedSagaMessage; count: number }> {
  const byExecution = new Map<string, { message: ParkedSagaMessage; count: number }>();
  for (const raw of messages) {
    const message = parse(raw);
    // A queue shared by several state machines holds others' messages too.
    if (!message?.executionArn.includes(`:${ref.stateMachineName}:`)) continue;
    const known = byExecution.get(message.executionArn);
    const latest = !known || message.parkedAt >= known.message.parkedAt ? message : known.message;
    byExecution.set(message.executionArn, { message: latest, count: (known?.count ?? 0) + 1 });
  }
  return byExecution;
}

export interface ListParkedSagasOptions {
  /** A saga (state machine) name, exact or a case-insensitive part; all sagas when absent. */
  readonly saga?: string;
}

/** Every parked execution in the parked queues, newest first, without consuming any message. */
export async function listParkedSagas(
  clients: OperatorClients,
  options: ListParkedSagasOptions = {},
): Promise<ParkedSaga[]> {
  const parked: ParkedSaga[] = [];
  const scanned = new Map<string, Message[]>();
  for (const ref of await findParkedQueues(clients.sfn, options.saga)) {
    let messages = scanned.get(ref.queueUrl);
    if (!messages) {
      messages = await scanQueue(clients.sqs, ref.queueUrl);
      scanned.set(ref.queueUrl, messages);
    }
    for (const { message, count } of latestPerExecution(ref, messages).values()) {
      const executionStatus = await statusOf(clients.sfn, message.executionArn);
      parked.push({
        message,
        queueUrl: ref.queueUrl,
        stateMachineArn: ref.stateMachineArn,
        executionStatus,
        waiting: executionStatus === 'RUNNING' && typeof message.taskToken === 'string',
        messages: count,
      });
    }
  }
  return parked.sort((a, b) => b.message.parkedAt.localeCompare(a.message.parkedAt));
}

/** One parked execution by saga id (execution name) or execution ARN. */
export async function getParkedSaga(clients: OperatorClients, saga: string): Promise<ParkedSaga> {
  const all = await listParkedSagas(clients);
  const matches = all.filter((p) => p.message.executionArn === saga || p.message.sagaId === saga);
  if (matches.length === 0) {
    throw new ParkedSagaNotFoundError(
      `No parked message for "${saga}" in any parked queue. Parked now: ${all.map((p) => p.message.sagaId).join(', ') || 'none'}.`,
    );
  }
  if (matches.length > 1) {
    throw new ParkedSagaNotFoundError(
      `"${saga}" names parked executions of several sagas (${matches.map((p) => p.message.executionArn).join(', ')}); pass the execution ARN.`,
    );
  }
  return matches[0]!;
}

export interface DecideOptions {
  /** The saga id (execution name) or the execution ARN. */
  readonly saga: string;
  readonly decision: ParkedDecisionType;
  /** Who decided, kept in the execution history with the decision. */
  readonly by?: string;
  readonly note?: string;
}

/**
 * Sends the decision on the parked execution's task token, then deletes its parked messages.
 * The decision is applied once: a second decision on the same park finds no waiting execution.
 */
export async function decideParkedSaga(
  clients: OperatorClients,
  options: DecideOptions,
): Promise<ParkedSaga> {
  const decisions = Object.values(ParkedDecisions) as string[];
  if (!decisions.includes(options.decision)) {
    throw new InvalidDecisionError(
      `"${String(options.decision)}" is not a decision; use one of ${decisions.join(', ')}.`,
    );
  }
  const parked = await getParkedSaga(clients, options.saga);
  const token = parked.message.taskToken;
  if (!parked.waiting || token === undefined) {
    throw new ParkedSagaNotWaitingError(
      `Saga "${parked.message.sagaId}" does not wait for a decision: its execution is ${parked.executionStatus}${token === undefined ? ' and its parked message has no task token (an Express state machine parks without waiting)' : ''}. ${parked.executionStatus === 'RUNNING' ? '' : 'Redrive it (stepsaga redrive) or finish it by hand.'}`.trim(),
    );
  }
  const output: ParkedDecision = {
    decision: options.decision,
    ...(options.by !== undefined ? { by: options.by } : {}),
    ...(options.note !== undefined ? { note: options.note } : {}),
  };
  try {
    await clients.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TaskTimedOut' || name === 'InvalidToken' || name === 'TaskDoesNotExist') {
      throw new ParkedSagaNotWaitingError(
        `Saga "${parked.message.sagaId}" no longer waits on the token of its parked message (${name}): it was decided, timed out or stopped meanwhile.`,
        { cause: error },
      );
    }
    throw error;
  }
  await scanQueue(clients.sqs, parked.queueUrl, (messages) =>
    messages.filter((m) => parse(m)?.executionArn === parked.message.executionArn),
  );
  return parked;
}
