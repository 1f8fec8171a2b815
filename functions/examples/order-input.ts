import * as z from 'zod/mini';

/** The PlaceOrder saga's input, shared by the three example participants. */
export const placeOrderInput = z.object({
  orderId: z.string().check(z.minLength(1)),
  customerId: z.string().check(z.minLength(1)),
  sku: z.string().check(z.minLength(1)),
  quantity: z.int().check(z.positive()),
  /** In cents. */
  amount: z.int().check(z.positive()),
});

export type PlaceOrderInput = z.infer<typeof placeOrderInput>;
