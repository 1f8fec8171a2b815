import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { BusinessError, defineParticipant, type Phase } from '../../functions/runtime/index.js';

/** A stock-keeping participant for runtime tests; `runs` counts how often each handler body ran. */
export const stockInput = z.object({ sku: z.string(), quantity: z.number().int().positive() });

export const stockKey = (sku: string) => ({ pk: `SKU#${sku}`, sk: 'STOCK' });

export interface HandlerRuns {
  reserve: number;
  reserveChecked: number;
  release: number;
}

export function stockParticipant(client: DynamoDBClient, tableName: string, runs: HandlerRuns) {
  return defineParticipant({
    name: 'Stock',
    input: stockInput,
    client,
    tableName,
    actions: {
      reserve: ({ input, update, emit }) => {
        runs.reserve += 1;
        update({
          key: stockKey(input.sku),
          update: 'SET available = available - :qty',
          condition: 'available >= :qty',
          values: { ':qty': input.quantity },
          conditionName: 'ENOUGH_STOCK',
        });
        emit('StockReserved', { sku: input.sku, quantity: input.quantity }, { groupId: input.sku });
        return { reserved: input.quantity, run: runs.reserve };
      },
      // Checks in code instead of a condition: a redelivery after the stock ran out throws here.
      reserveChecked: async ({ input, get, update }) => {
        runs.reserveChecked += 1;
        const stock = await get(stockKey(input.sku));
        if (!stock || Number(stock.available) < input.quantity) {
          throw new BusinessError(`not enough ${input.sku}`, 'INSUFFICIENT_STOCK');
        }
        update({
          key: stockKey(input.sku),
          update: 'SET available = available - :qty',
          condition: 'available >= :qty',
          values: { ':qty': input.quantity },
        });
        return { reserved: input.quantity, run: runs.reserveChecked };
      },
    },
    compensations: {
      release: ({ action: { input, result }, update, emit }) => {
        runs.release += 1;
        update({
          key: stockKey(input.sku),
          update: 'SET available = available + :qty',
          values: { ':qty': input.quantity },
        });
        emit('StockReleased', { sku: input.sku, quantity: input.quantity, undid: result });
        return { released: input.quantity, run: runs.release };
      },
    },
  });
}

export function request(
  sagaId: string,
  input: unknown,
  phase: Phase = 'action',
  action = phase === 'compensation' ? 'release' : 'reserve',
  step = 'ReserveStock',
  sagaName = 'PlaceOrder',
) {
  return { sagaId, sagaName, step, phase, action, input, results: {} };
}
