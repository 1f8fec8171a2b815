import { z } from 'zod';

/** The Transfer transaction's input, shared by the Debit and Credit account services. */
export const transferInput = z.object({
  transferId: z.string().min(1),
  /** The account money leaves (held by the Debit service). */
  fromAccount: z.string().min(1),
  /** The account money arrives at (held by the Credit service). */
  toAccount: z.string().min(1),
  /** In integer cents. */
  amount: z.number().int().positive(),
});

export type TransferInput = z.infer<typeof transferInput>;
