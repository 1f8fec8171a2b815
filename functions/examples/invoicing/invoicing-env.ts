/** Environment variables the IssueInvoice stack sets on the invoicing functions. */
export const InvoicingEnv = {
  /** Base URL of the accounting ledger's HTTP API, e.g. `https://ledger.example.com/api`. */
  ledgerUrl: 'LEDGER_URL',
  /**
   * The issuing function's timeout in ms. Once a message is older, the attempt that prepared it has
   * ended, and the check-back voids an invoice the ledger still lacks (a retried request racing the
   * void is refused by the ledger, so it cannot post the invoice after all).
   */
  issueTimeoutMs: 'ISSUE_INVOICE_TIMEOUT_MS',
} as const;

export function requiredEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value)
    throw new Error(`${name} is not set; the IssueInvoice stack (workflows/issue-invoice.ts) sets it.`);
  return value;
}
