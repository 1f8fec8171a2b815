import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { defineParticipant, type RecordedAction } from '../../functions/runtime/index.js';
import { createParticipantTable, localDynamoClient, uniqueId } from '../support/dynamo-tables.js';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

let client: DynamoDBClient;
let table: string;

beforeAll(async () => {
  client = localDynamoClient(inject('dynamoDbEndpoint'));
  table = await createParticipantTable(client, 'kept');
});

/** The lean input a step with `select: ['$.orderId']` receives. */
const leanInput = z.object({ orderId: z.string() });

function participant(undone: RecordedAction<{ orderId: string }>[]) {
  return defineParticipant({
    name: 'Kept',
    input: leanInput,
    client,
    tableName: table,
    actions: {
      reserve: ({ input, put, sagaId }) => {
        put({ item: { pk: `RES#${sagaId}`, sk: 'RESERVATION', orderId: input.orderId } });
        return { reservationId: `R-${input.orderId}`, warehouse: 'W-1', notes: 'x'.repeat(3_000) };
      },
    },
    compensations: {
      release: ({ action, delete: remove, sagaId }) => {
        undone.push(action);
        remove({ key: { pk: `RES#${sagaId}`, sk: 'RESERVATION' } });
        return { released: true };
      },
    },
  });
}

const request = (sagaId: string, phase: 'action' | 'compensation', action: string) => ({
  sagaId,
  sagaName: 'Lean',
  step: 'Reserve',
  phase,
  action,
  input: { orderId: 'o-1' },
  results: {},
  ...(phase === 'action'
    ? { keep: ['reservationId', 'missing'], budget: { inputBytes: 1_024, resultBytes: 1_024 } }
    : {}),
});

describe('keepResult: the saga keeps part of a result, the barrier keeps all of it', () => {
  it('answers with the kept fields (held to the budget), a duplicate too, and the compensation undoes from the whole result', async () => {
    const undone: RecordedAction<{ orderId: string }>[] = [];
    const handler = participant(undone);
    const sagaId = uniqueId('kept');
    // The whole result (3 KB) is over the 1 KB share; the kept part is not, so it commits.
    await expect(handler(request(sagaId, 'action', 'reserve'))).resolves.toEqual({ reservationId: 'R-o-1' });
    await expect(handler(request(sagaId, 'action', 'reserve'))).resolves.toEqual({ reservationId: 'R-o-1' });
    await expect(handler(request(sagaId, 'compensation', 'release'))).resolves.toEqual({ released: true });
    expect(undone).toHaveLength(1);
    expect(undone[0]).toMatchObject({
      name: 'reserve',
      input: { orderId: 'o-1' },
      result: { reservationId: 'R-o-1', warehouse: 'W-1', notes: 'x'.repeat(3_000) },
    });
  });

  it('refuses a request whose keep is not a list of field names', async () => {
    const handler = participant([]);
    await expect(
      handler({ ...request(uniqueId('kept'), 'action', 'reserve'), keep: 'reservationId' }),
    ).rejects.toThrow('keep: expected a list of field names');
  });
});
