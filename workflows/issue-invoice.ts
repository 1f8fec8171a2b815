import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeNoAsyncInvoke, CheckBack, createBundledFunction, TransactionalMessage } from 'stepsaga';
import { InvoicingEnv } from '../functions/examples/invoicing/invoicing-env.js';

const invoicing = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'functions',
  'examples',
  'invoicing',
);

/** How long one attempt to issue an invoice may take; the check-back waits this long before voiding. */
const ISSUE_TIMEOUT = Duration.seconds(15);

export interface IssueInvoiceStackProps extends StackProps {
  /** Base URL of the accounting ledger's HTTP API (`PUT /invoices/{id}`, `GET`, `POST .../void`). */
  readonly ledgerUrl: string;
}

/**
 * Issuing an invoice as a transactional message with check-back. The invoicing service's local
 * transaction is a post to an external accounting ledger, which no DynamoDB transaction can
 * include, so the InvoiceIssued message is prepared first, then committed or rolled back; when the
 * service fails in between, the sweeper asks the check-back, which asks the ledger. Invoke
 * `IssueInvoice` with `{ invoiceId, customerId, amount }` (integer cents); committed messages
 * arrive on `invoiceEvents.queue`, unresolvable ones on `invoiceEvents.deadLetterQueue`.
 */
export class IssueInvoiceStack extends Stack {
  public readonly issueInvoice: nodejs.NodejsFunction;
  public readonly checkBack: nodejs.NodejsFunction;
  public readonly invoiceEvents: TransactionalMessage;

  constructor(scope: Construct, id: string, props: IssueInvoiceStackProps) {
    super(scope, id, props);
    const issue = createBundledFunction(new Construct(this, 'IssueInvoice'), {
      entry: path.join(invoicing, 'issue-invoice-handler.ts'),
      description: 'Posts an invoice to the accounting ledger and announces it with an InvoiceIssued message',
      serviceName: 'invoicing',
      environment: { [InvoicingEnv.ledgerUrl]: props.ledgerUrl },
      timeout: ISSUE_TIMEOUT,
      memorySize: 256,
      logRetention: logs.RetentionDays.ONE_MONTH,
    });
    const checkBack = createBundledFunction(new Construct(this, 'LedgerCheckBack'), {
      entry: path.join(invoicing, 'check-back-handler.ts'),
      description: 'Answers whether the invoice behind a prepared InvoiceIssued message reached the ledger',
      serviceName: 'invoicing-check-back',
      environment: {
        [InvoicingEnv.ledgerUrl]: props.ledgerUrl,
        [InvoicingEnv.issueTimeoutMs]: String(ISSUE_TIMEOUT.toMilliseconds()),
      },
      // The sweeper stops waiting for a check-back after 5 s (TransactionalMessage's checkBackTimeout).
      timeout: Duration.seconds(5),
      memorySize: 256,
      logRetention: logs.RetentionDays.ONE_MONTH,
    });
    this.issueInvoice = issue.function;
    this.checkBack = checkBack.function;

    this.invoiceEvents = new TransactionalMessage(this, 'InvoiceEvents', {
      checkBack: CheckBack.lambda(this.checkBack),
      producerName: 'Invoicing',
    });
    for (const [name, value] of Object.entries(this.invoiceEvents.producerEnvironment)) {
      this.issueInvoice.addEnvironment(name, value);
    }
    this.invoiceEvents.grantProduce(this.issueInvoice);

    this.acknowledgeFindings();
  }

  /** cdk-nag findings of this app's own functions; TransactionalMessage answers those of its resources. */
  private acknowledgeFindings(): void {
    acknowledgeNoAsyncInvoke(
      this.issueInvoice,
      'Callers invoke the invoicing function synchronously and see its error, and a failure between prepare and commit is settled by the check-back',
    );
    acknowledgeNoAsyncInvoke(
      this.checkBack,
      'The sweeper invokes the check-back synchronously (RequestResponse), and a failed check counts as UNKNOWN',
    );
  }
}
