import * as z from 'zod/mini';

/** What the invoicing service is asked to issue, and the payload of its InvoiceIssued message. */
export const invoiceInput = z.object({
  /** Chosen by the caller, so that a retried request issues the same invoice. */
  invoiceId: z.string().check(z.minLength(1), z.maxLength(100)),
  customerId: z.string().check(z.minLength(1)),
  /** In integer cents. */
  amount: z.int().check(z.positive()),
});

export type Invoice = z.infer<typeof invoiceInput>;

/** The message type consumers route on. */
export const INVOICE_ISSUED = 'InvoiceIssued';

/** One message per invoice: a retried request prepares the same message again, which is a no-op. */
export function invoiceMessageId(invoiceId: string): string {
  return `invoice-${invoiceId}`;
}
