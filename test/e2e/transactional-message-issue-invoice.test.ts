import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from '@aws-sdk/client-sqs';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Invoice } from '../../functions/examples/invoicing/invoice.js';
import {
  createTransactionalMessageClient,
  type DeadLetterEnvelope,
  TransactionalMessageEnv as Env,
  type MessageState,
  type MessageStatus,
  type TransactionalMessageEnvelope,
} from '../../functions/transactional-message/index.js';
import { useLocalCloud } from '../../infra/local/testing/index.js';
import { IssueInvoiceStack } from '../../workflows/issue-invoice.js';
import { engineClients, eventually } from '../support/local-cloud.js';
import { drainQueue } from '../support/sqs-drain.js';

interface LedgerRequest {
  readonly method: string;
  readonly invoiceId: string;
  readonly status: number;
}

/** How the ledger misbehaves for one invoice. */
interface LedgerFault {
  /** `reject`: 422, nothing recorded. `unavailable`: 503, nothing recorded. */
  readonly put?: 'reject' | 'unavailable';
  /** `unavailable`: 503 to every lookup and void. */
  readonly get?: 'unavailable';
}

/**
 * The accounting ledger the invoicing service posts to, on loopback: `PUT /api/invoices/{id}`
 * (idempotent per id; a voided id is refused), `GET` (404 when absent) and `POST .../void` (voids an
 * absent id; 409 when posted). Faults are set per invoice id; every request is recorded.
 */
class Ledger {
  readonly invoices = new Map<string, { status: 'posted' | 'voided'; invoice?: Invoice }>();
  readonly faults = new Map<string, LedgerFault>();
  readonly requests: LedgerRequest[] = [];
  private readonly server = createServer((request, response) => {
    void this.answer(request).then(({ status, body }) => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  requestsFor(invoiceId: string): string[] {
    return this.requests.filter((r) => r.invoiceId === invoiceId).map((r) => `${r.method} ${r.status}`);
  }

  private async answer(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const match = /^\/api\/invoices\/([^/]+)(\/void)?$/.exec(request.url ?? '');
    const invoiceId = decodeURIComponent(match?.[1] ?? '');
    const method = `${request.method}${match?.[2] ? ' void' : ''}`;
    const answer = this.handle(method, invoiceId, Buffer.concat(chunks).toString());
    this.requests.push({ method, invoiceId, status: answer.status });
    return answer;
  }

  private handle(method: string, invoiceId: string, body: string): { status: number; body: unknown } {
    const fault = this.faults.get(invoiceId);
    const stored = this.invoices.get(invoiceId);
    if (method === 'PUT') {
      if (fault?.put === 'unavailable')
        return { status: 503, body: { error: 'ledger is down for maintenance' } };
      if (fault?.put === 'reject') {
        return { status: 422, body: { error: 'customer c-closed has no billing account' } };
      }
      if (stored?.status === 'voided') return { status: 409, body: { error: 'the invoice id was voided' } };
      if (stored) return { status: 200, body: { status: 'posted' } };
      this.invoices.set(invoiceId, { status: 'posted', invoice: JSON.parse(body) as Invoice });
      return { status: 201, body: { status: 'posted' } };
    }
    if (fault?.get === 'unavailable') return { status: 503, body: { error: 'ledger database unavailable' } };
    if (method === 'GET') {
      return stored ? { status: 200, body: { status: stored.status } } : { status: 404, body: {} };
    }
    if (method === 'POST void') {
      if (stored?.status === 'posted') return { status: 409, body: { status: 'posted' } };
      this.invoices.set(invoiceId, { status: 'voided' });
      return { status: 200, body: { status: 'voided' } };
    }
    return { status: 405, body: { error: `${method} is not part of the ledger API` } };
  }
}

const ledger = new Ledger();
await ledger.listen();
afterAll(() => ledger.close());

/**
 * Short check schedule: first check 2 s after prepare, then every second, three checks at most; the
 * check-back voids an invoice missing 1 s after prepare. The construct keeps checkInterval at a
 * minute or more (its sweeper runs once a minute), so the test overrides the functions' environment
 * and runs the one-minute sweep schedule 60 times faster: a sweep every second.
 */
const CHECKS = 3;
const local = useLocalCloud(
  () => {
    const app = new App();
    new IssueInvoiceStack(app, 'StepsagaInvoicing', { ledgerUrl: ledger.url });
    return app;
  },
  {
    scheduleRateDivisor: 60,
    pollIntervalMs: 50,
    // A plan, even an empty one, routes the functions' DynamoDB requests through the fault proxy.
    faults: {},
    functionEnvironment: {
      [Env.firstCheckAfterMs]: '2000',
      [Env.checkIntervalMs]: '1000',
      [Env.maxChecks]: String(CHECKS),
      ISSUE_INVOICE_TIMEOUT_MS: '1000',
    },
  },
);

const clients = () => engineClients(local.cloud);
const queueUrl = (path: string) => local.cloud.resources.find(path, 'queue').url ?? '';
const holdingTable = () => local.cloud.resources.find('InvoiceEvents/Table', 'table').name;
const messages = () =>
  createTransactionalMessageClient({ tableName: holdingTable(), dynamo: clients().dynamodb });

/** Every message taken off a queue so far, by queue path (each test looks for its own message ids). */
const received = new Map<string, Message[]>();
async function messagesOn(path: string, messageId: string): Promise<Message[]> {
  const all = received.get(path) ?? [];
  all.push(...(await drainQueue(clients().sqs, queueUrl(path))));
  received.set(path, all);
  return all.filter((m) => m.MessageAttributes?.messageId?.StringValue === messageId);
}
const delivered = (messageId: string) =>
  eventually(
    async () => {
      const found = await messagesOn('InvoiceEvents/Queue', messageId);
      return found.length > 0 ? found : undefined;
    },
    20_000,
    `message ${messageId} on the InvoiceIssued queue`,
  );

const stateOf = (messageId: string, state: MessageState, timeoutMs = 20_000) =>
  eventually(
    async () => {
      const status = await messages().getStatus(messageId);
      return status?.state === state ? status : undefined;
    },
    timeoutMs,
    `message ${messageId} to be ${state}`,
  );

/** Longer than a sweep, a check-back and a relay round trip together. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_500));

async function issue(invoice: Invoice): Promise<{ result?: unknown; error?: Record<string, unknown> }> {
  const out = (await local.cloud.lambda.call('Invoke', {
    FunctionName: local.cloud.resources.find('IssueInvoice/Function', 'function').name,
    Payload: JSON.stringify(invoice),
  })) as { FunctionError?: string; Payload?: string };
  const payload = JSON.parse(out.Payload ?? 'null') as Record<string, unknown>;
  return out.FunctionError ? { error: payload } : { result: payload };
}

const invoice = (invoiceId: string, amount = 12_500): Invoice => ({
  invoiceId,
  customerId: `c-${invoiceId}`,
  amount,
});

describe('IssueInvoice transactional message on the local cloud', () => {
  it('runs the one-minute sweep schedule every second here', () => {
    expect(local.cloud.resources.find('InvoiceEvents/SweepSchedule', 'eventRule').eventRule).toEqual({
      trigger: 'rate(1 minute)',
      localPeriodMs: 1_000,
    });
  });

  it('posts the invoice, commits, and delivers InvoiceIssued exactly once with the envelope', async () => {
    const issued = invoice('inv-ok-1');
    expect(await issue(issued)).toEqual({
      result: { invoiceId: 'inv-ok-1', messageId: 'invoice-inv-ok-1', status: 'issued' },
    });
    expect(ledger.invoices.get('inv-ok-1')).toEqual({ status: 'posted', invoice: issued });

    const [message] = await delivered('invoice-inv-ok-1');
    const status = await stateOf('invoice-inv-ok-1', 'delivered');
    expect(JSON.parse(message?.Body ?? '{}')).toEqual({
      eventId: 'invoice-inv-ok-1',
      eventType: 'InvoiceIssued',
      sagaId: 'inv-ok-1',
      sagaName: 'Invoicing',
      step: 'TransactionalMessage',
      createdAt: status.preparedAt,
      payload: issued,
      messageId: 'invoice-inv-ok-1',
      transactionId: 'inv-ok-1',
      resolvedBy: 'producer',
      resolvedAt: status.resolvedAt ?? 'missing',
    } satisfies TransactionalMessageEnvelope<Invoice>);
    expect(message?.MessageAttributes?.messageType?.StringValue).toBe('InvoiceIssued');
    expect(status).toMatchObject({ resolvedBy: 'producer', checks: 0 });

    await settle();
    expect(await messagesOn('InvoiceEvents/Queue', 'invoice-inv-ok-1')).toHaveLength(1);
    // Committed before its first check was due: the check-back never asked the ledger.
    expect(ledger.requestsFor('inv-ok-1')).toEqual(['PUT 201']);
  });

  it('shrugs off a duplicate commit and a retried request: still one message, one posting', async () => {
    expect(await messages().commit('invoice-inv-ok-1')).toEqual({
      messageId: 'invoice-inv-ok-1',
      state: 'delivered',
      alreadyResolved: true,
    });
    expect(await issue(invoice('inv-ok-1'))).toEqual({
      result: { invoiceId: 'inv-ok-1', messageId: 'invoice-inv-ok-1', status: 'issued' },
    });
    await expect(messages().rollback('invoice-inv-ok-1')).rejects.toMatchObject({
      name: 'TransactionalMessageStateError',
      message: expect.stringMatching(
        /^Cannot rollback message "invoice-inv-ok-1": it was committed \(state "delivered"\) at \S+ by producer\.$/,
      ),
    });

    await settle();
    expect(await messagesOn('InvoiceEvents/Queue', 'invoice-inv-ok-1')).toHaveLength(1);
    expect(ledger.requestsFor('inv-ok-1')).toEqual(['PUT 201']);
  });

  it('rolls back when the ledger refuses the invoice: nothing is delivered and nobody checks back', async () => {
    ledger.faults.set('inv-refused-1', { put: 'reject' });
    expect(await issue(invoice('inv-refused-1'))).toEqual({
      result: {
        invoiceId: 'inv-refused-1',
        messageId: 'invoice-inv-refused-1',
        status: 'rejected',
        reason: 'The ledger refused invoice inv-refused-1: customer c-closed has no billing account',
      },
    });
    expect(await messages().getStatus('invoice-inv-refused-1')).toMatchObject({
      state: 'rolled-back',
      resolvedBy: 'producer',
      checks: 0,
    });

    await settle();
    expect(await messagesOn('InvoiceEvents/Queue', 'invoice-inv-refused-1')).toEqual([]);
    expect(await messagesOn('InvoiceEvents/DeadLetterQueue', 'invoice-inv-refused-1')).toEqual([]);
    expect(ledger.requestsFor('inv-refused-1')).toEqual(['PUT 422']);
  });

  it('delivers an invoice whose commit was lost after the ledger posted it: the check-back answers COMMIT', async () => {
    // The producer dies between its local transaction and its commit: every UpdateItem it sends to
    // the holding table is throttled until the SDK gives up.
    const lostCommit = local.cloud.faults.inject({
      kind: 'throttling',
      operation: 'UpdateItem',
      table: 'InvoiceEvents/Table',
      times: 'always',
    });
    let failed: Awaited<ReturnType<typeof issue>>;
    let afterCrash: MessageStatus | undefined;
    try {
      failed = await issue(invoice('inv-lost-commit-1'));
      // Read while no function can update the holding table, so that no sweep got there first.
      afterCrash = await messages().getStatus('invoice-inv-lost-commit-1');
    } finally {
      lostCommit.remove();
    }
    expect(failed.error).toMatchObject({ errorType: 'ThrottlingException' });
    expect(ledger.invoices.get('inv-lost-commit-1')?.status).toBe('posted');
    expect(afterCrash).toMatchObject({ state: 'prepared', checks: 0 });

    const [message] = await delivered('invoice-inv-lost-commit-1');
    expect(JSON.parse(message?.Body ?? '{}')).toMatchObject({
      eventId: 'invoice-inv-lost-commit-1',
      payload: invoice('inv-lost-commit-1'),
      resolvedBy: 'check-back',
    });
    expect(await stateOf('invoice-inv-lost-commit-1', 'delivered')).toMatchObject({
      resolvedBy: 'check-back',
      lastCheckAnswer: 'COMMIT',
      checks: 1,
    });
    expect(ledger.requestsFor('inv-lost-commit-1')).toEqual(['PUT 201', 'GET 200']);

    await settle();
    expect(await messagesOn('InvoiceEvents/Queue', 'invoice-inv-lost-commit-1')).toHaveLength(1);
  });

  it('discards the message of an invoice the ledger never got: the check-back voids it and answers ROLLBACK', async () => {
    ledger.faults.set('inv-never-posted-1', { put: 'unavailable' });
    const failed = await issue(invoice('inv-never-posted-1'));
    expect(failed.error).toMatchObject({
      errorType: 'LedgerUnavailableError',
      errorMessage: `PUT ${ledger.url}/invoices/inv-never-posted-1 answered HTTP 503: {"error":"ledger is down for maintenance"}`,
    });
    ledger.faults.delete('inv-never-posted-1');

    expect(await stateOf('invoice-inv-never-posted-1', 'rolled-back')).toMatchObject({
      resolvedBy: 'check-back',
      lastCheckAnswer: 'ROLLBACK',
      checks: 1,
    });
    expect(ledger.invoices.get('inv-never-posted-1')).toEqual({ status: 'voided' });
    expect(ledger.requestsFor('inv-never-posted-1')).toEqual(['PUT 503', 'GET 404', 'POST void 200']);

    // The voided id stays refused: a retried request neither posts nor sends anything.
    expect(await issue(invoice('inv-never-posted-1'))).toEqual({
      result: {
        invoiceId: 'inv-never-posted-1',
        messageId: 'invoice-inv-never-posted-1',
        status: 'rejected',
        reason:
          'Invoice inv-never-posted-1 was rolled back earlier (refused or voided); issue it under a new invoice id.',
      },
    });
    await settle();
    expect(ledger.requestsFor('inv-never-posted-1')).toHaveLength(3);
    expect(await messagesOn('InvoiceEvents/Queue', 'invoice-inv-never-posted-1')).toEqual([]);
  });

  it('dead-letters the message with the reason when the ledger cannot be asked in any of its checks', async () => {
    ledger.faults.set('inv-unknown-1', { put: 'unavailable', get: 'unavailable' });
    expect((await issue(invoice('inv-unknown-1'))).error).toMatchObject({
      errorType: 'LedgerUnavailableError',
    });

    const status: MessageStatus = await stateOf('invoice-inv-unknown-1', 'dead-lettered', 30_000);
    const checkBack = local.cloud.resources.find('LedgerCheckBack/Function', 'function').arn;
    const lastCheckError = `Check-back function ${checkBack} answered UNKNOWN: the ledger could not be asked about invoice inv-unknown-1: GET ${ledger.url}/invoices/inv-unknown-1 answered HTTP 503: {"error":"ledger database unavailable"}`;
    const deadLetterReason = `The producer's check-back did not answer COMMIT or ROLLBACK in ${CHECKS} checks (limit ${CHECKS}); last answer: ${lastCheckError}`;
    expect(status).toMatchObject({
      checks: CHECKS,
      resolvedBy: 'check-budget',
      lastCheckAnswer: 'UNKNOWN',
      lastCheckError,
      deadLetterReason,
    });
    expect(ledger.requestsFor('inv-unknown-1')).toEqual(['PUT 503', 'GET 503', 'GET 503', 'GET 503']);

    const deadLetters = await eventually(
      async () => {
        const found = await messagesOn('InvoiceEvents/DeadLetterQueue', 'invoice-inv-unknown-1');
        return found.length > 0 ? found : undefined;
      },
      10_000,
      'the dead letter',
    );
    expect(deadLetters).toHaveLength(1);
    expect(JSON.parse(deadLetters[0]?.Body ?? '{}')).toMatchObject({
      eventId: 'invoice-inv-unknown-1',
      eventType: 'InvoiceIssued',
      transactionId: 'inv-unknown-1',
      payload: invoice('inv-unknown-1'),
      resolvedBy: 'check-budget',
      deadLetterReason,
      checks: CHECKS,
      lastCheckError,
    } satisfies Partial<DeadLetterEnvelope<Invoice>>);
    await settle();
    expect(await messagesOn('InvoiceEvents/Queue', 'invoice-inv-unknown-1')).toEqual([]);
    expect(ledger.requestsFor('inv-unknown-1')).toHaveLength(1 + CHECKS);
  });
});
