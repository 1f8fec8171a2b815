import type { CheckBackRequest, CheckBackResponse } from 'stepsaga/runtime';
import { InvoicingEnv, requiredEnv } from './invoicing-env.js';
import { LedgerUnavailableError, ledgerClient } from './ledger-client.js';

/** Two ledger calls must fit in the sweeper's check-back timeout (5 s by default). */
const LEDGER_TIMEOUT_MS = 2_000;

const ledger = ledgerClient(requiredEnv(InvoicingEnv.ledgerUrl), LEDGER_TIMEOUT_MS);
const issueTimeoutMs = Number(requiredEnv(InvoicingEnv.issueTimeoutMs));

/**
 * The invoicing service's check-back: did the invoice behind a prepared InvoiceIssued message reach
 * the ledger? The ledger is the system of record, so it decides:
 *
 * - posted → COMMIT;
 * - voided → ROLLBACK;
 * - absent while an attempt to issue it may still be running → UNKNOWN (ask again later);
 * - absent after that → void it at the ledger, which refuses a late post from then on, and ROLLBACK.
 *   Voiding first is what makes the ROLLBACK safe: without it, a slow post could still land after
 *   the message was discarded.
 *
 * An unreachable ledger is UNKNOWN too; after the last allowed check the message is dead-lettered.
 */
export async function handler(request: CheckBackRequest): Promise<CheckBackResponse> {
  const invoiceId = request.transactionId;
  try {
    const record = await ledger.find(invoiceId);
    if (record === 'posted') return { status: 'COMMIT' };
    if (record === 'voided') return { status: 'ROLLBACK' };
    const ageMs = Date.now() - Date.parse(request.preparedAt);
    if (ageMs <= issueTimeoutMs) {
      return {
        status: 'UNKNOWN',
        detail: `invoice ${invoiceId} is not in the ledger yet, and the attempt that prepared it ${ageMs} ms ago may still be posting it`,
      };
    }
    return (await ledger.voidIfAbsent(invoiceId)) === 'posted'
      ? { status: 'COMMIT' }
      : { status: 'ROLLBACK' };
  } catch (error) {
    if (!(error instanceof LedgerUnavailableError)) throw error;
    return {
      status: 'UNKNOWN',
      detail: `the ledger could not be asked about invoice ${invoiceId}: ${error.message}`,
    };
  }
}
