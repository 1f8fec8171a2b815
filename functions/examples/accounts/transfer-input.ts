import * as z from 'zod/mini';

/** The Transfer transaction's input, shared by the Debit and Credit account services. */
export const transferInput = z.object({
  transferId: z.string().check(z.minLength(1)),
  /** The account money leaves (held by the Debit service). */
  fromAccount: z.string().check(z.minLength(1)),
  /** The account money arrives at (held by the Credit service). */
  toAccount: z.string().check(z.minLength(1)),
  /** In integer cents. */
  amount: z.int().check(z.positive()),
});

export type TransferInput = z.infer<typeof transferInput>;
