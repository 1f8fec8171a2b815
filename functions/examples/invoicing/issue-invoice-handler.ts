import { createTransactionalMessageClient } from 'stepsaga/runtime';
import { INVOICE_ISSUED, type Invoice, invoiceInput, invoiceMessageId } from './invoice.js';
import { InvoicingEnv, requiredEnv } from './invoicing-env.js';
import { ledgerClient } from './ledger-client.js';

/** Well below the function's timeout, so that a hanging ledger leaves time to answer. */
const LEDGER_TIMEOUT_MS = 5_000;

export interface IssueInvoiceResult {
  readonly invoiceId: string;
  readonly messageId: string;
  /** `issued`: the ledger has the invoice and InvoiceIssued is on its way. `rejected`: neither. */
  readonly status: 'issued' | 'rejected';
  readonly reason?: string;
}

const messages = createTransactionalMessageClient();
const ledger = ledgerClient(requiredEnv(InvoicingEnv.ledgerUrl), LEDGER_TIMEOUT_MS);

/**
 * The invoicing service: posts an invoice to the accounting ledger (its local transaction, in a
 * system stepsaga cannot join) and announces it with an InvoiceIssued transactional message.
 *
 * 1. prepare the message (held back, not delivered);
 * 2. post the invoice to the ledger;
 * 3. commit the message if the ledger took the invoice, roll it back if the ledger refused it.
 *
 * When the outcome of step 2 is unknown (timeout, 5xx) the function fails and leaves the message
 * prepared; when step 3 is lost (the function dies, DynamoDB throttles) the same holds. Either way
 * the sweeper asks the check-back (check-back-handler.ts), which asks the ledger.
 */
export async function handler(event: unknown): Promise<IssueInvoiceResult> {
  const invoice: Invoice = invoiceInput.parse(event);
  const messageId = invoiceMessageId(invoice.invoiceId);
  const result = (status: IssueInvoiceResult['status'], reason?: string): IssueInvoiceResult => ({
    invoiceId: invoice.invoiceId,
    messageId,
    status,
    ...(reason ? { reason } : {}),
  });

  const prepared = await messages.prepare({
    messageId,
    messageType: INVOICE_ISSUED,
    payload: invoice,
    transactionId: invoice.invoiceId,
  });
  // A retried request finds its message already settled, and must not post again.
  switch (prepared.state) {
    case 'committed':
    case 'delivered':
      return result('issued');
    case 'rolled-back':
      return result(
        'rejected',
        `Invoice ${invoice.invoiceId} was rolled back earlier (refused or voided); issue it under a new invoice id.`,
      );
    case 'dead-lettered':
      throw new Error(
        `Invoice ${invoice.invoiceId} is unresolved: its message ${messageId} was dead-lettered after its check-backs. Settle it with the ledger before retrying.`,
      );
    default:
      break;
  }

  const posted = await ledger.post(invoice);
  if (posted.kind === 'rejected') {
    await messages.rollback(messageId);
    return result('rejected', posted.reason);
  }
  await messages.commit(messageId);
  return result('issued');
}
