import { z } from 'zod';

/** What the invoicing service is asked to issue, and the payload of its InvoiceIssued message. */
export const invoiceInput = z.object({
  /** Chosen by the caller, so that a retried request issues the same invoice. */
  invoiceId: z.string().min(1).max(100),
  customerId: z.string().min(1),
  /** In integer cents. */
  amount: z.number().int().positive(),
});

export type Invoice = z.infer<typeof invoiceInput>;

/** The message type consumers route on. */
export const INVOICE_ISSUED = 'InvoiceIssued';

/** One message per invoice: a retried request prepares the same message again, which is a no-op. */
export function invoiceMessageId(invoiceId: string): string {
  return `invoice-${invoiceId}`;
}
