import { z } from 'zod';

/** The PlaceOrder saga's input, shared by the three example participants. */
export const placeOrderInput = z.object({
  orderId: z.string().min(1),
  customerId: z.string().min(1),
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  /** In cents. */
  amount: z.number().int().positive(),
});

export type PlaceOrderInput = z.infer<typeof placeOrderInput>;
