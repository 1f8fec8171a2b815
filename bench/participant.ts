/**
 * Participant runtime benchmark: DynamoDB requests per invocation and the latency the runtime adds
 * over a hand-written TransactWriteItems carrying the same items, on DynamoDB Local.
 *
 *   npx tsx bench/participant.ts [iterations]
 */
import { randomUUID } from 'node:crypto';
import { PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { ulid } from 'ulid';
import { z } from 'zod';
import { createParticipantTable, localDynamoClient } from '../test/support/dynamo-tables.js';

// Log lines would measure stdout, not the runtime; production logs one line per commit.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { defineParticipant, requestFingerprint } = await import('../functions/runtime/index.js');
const { startDynamoDbLocal } = await import('../infra/local/dynamodb-local.js');

const iterations = Number(process.argv[2] ?? 400);
const warmup = 50;

const dynamo = await startDynamoDbLocal();
try {
  const client = localDynamoClient(dynamo.endpoint);
  const requests = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      requests.set(name, (requests.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchRequestCounter' },
  );

  const table = await createParticipantTable(client, 'bench');
  const stockKey = { pk: 'SKU#bench', sk: 'STOCK' };
  await client.send(
    new PutItemCommand({ TableName: table, Item: marshall({ ...stockKey, available: 1e12 }) }),
  );

  const handler = defineParticipant({
    name: 'Bench',
    input: z.object({ quantity: z.number().int().positive() }),
    client,
    tableName: table,
    actions: {
      reserve: ({ input, update, emit }) => {
        update({
          key: stockKey,
          update: 'SET available = available - :qty',
          condition: 'available >= :qty',
          values: { ':qty': input.quantity },
        });
        emit('StockReserved', { sku: 'bench', quantity: input.quantity });
        return { reserved: input.quantity };
      },
    },
  });
  const request = (sagaId: string) => ({
    sagaId,
    sagaName: 'Bench',
    step: 'Reserve',
    phase: 'action',
    action: 'reserve',
    input: { quantity: 1 },
    results: {},
  });

  /** The same three items the runtime writes, built by hand: the floor the runtime is measured against. */
  const raw = (sagaId: string) => {
    const now = new Date();
    const expiresAt = Math.floor(now.getTime() / 1000) + 30 * 86_400;
    const eventId = ulid();
    return client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: marshall({
                pk: `BARRIER#Bench#${sagaId}`,
                sk: 'Reserve#action',
                itemType: 'barrier',
                sagaId,
                sagaName: 'Bench',
                step: 'Reserve',
                phase: 'action',
                action: 'reserve',
                status: 'committed',
                result: JSON.stringify({ reserved: 1 }),
                fingerprint: requestFingerprint({ quantity: 1 }),
                input: JSON.stringify({ quantity: 1 }),
                committedAt: now.toISOString(),
                expiresAt,
              }),
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Update: {
              TableName: table,
              Key: marshall(stockKey),
              UpdateExpression: 'SET available = available - :qty',
              ConditionExpression: 'available >= :qty',
              ExpressionAttributeValues: marshall({ ':qty': 1 }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: table,
              Item: marshall({
                pk: `OUTBOX#${eventId}`,
                sk: 'OUTBOX',
                itemType: 'outbox',
                eventId,
                eventType: 'StockReserved',
                payload: JSON.stringify({ sku: 'bench', quantity: 1 }),
                sagaId,
                sagaName: 'Bench',
                step: 'Reserve',
                createdAt: now.toISOString(),
                expiresAt,
              }),
            },
          },
        ],
      }),
    );
  };

  // Request counts.
  const countOf = async (run: () => Promise<unknown>) => {
    requests.clear();
    await run();
    return [...requests.entries()].map(([name, n]) => `${n} ${name.replace('Command', '')}`).join(', ');
  };
  const countedSaga = randomUUID();
  const firstTime = await countOf(() => handler(request(countedSaga)));
  const duplicate = await countOf(() => handler(request(countedSaga)));
  if (firstTime !== '1 TransactWriteItems')
    throw new Error(`first-time action made ${firstTime}, expected 1 TransactWriteItems`);

  // Latency, interleaved so that both variants see the same DynamoDB Local state and JIT warmth.
  const runtimeMs: number[] = [];
  const rawMs: number[] = [];
  for (let i = 0; i < warmup + iterations; i += 1) {
    const order = i % 2 === 0;
    for (const variant of order ? ['runtime', 'raw'] : ['raw', 'runtime']) {
      const start = performance.now();
      if (variant === 'runtime') await handler(request(randomUUID()));
      else await raw(randomUUID());
      const elapsed = performance.now() - start;
      if (i >= warmup) (variant === 'runtime' ? runtimeMs : rawMs).push(elapsed);
    }
  }
  const pct = (values: number[], p: number) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  };
  const row = (name: string, values: number[]) => ({ name, p50: pct(values, 50), p99: pct(values, 99) });
  const runtimeRow = row('participant action (runtime)', runtimeMs);
  const rawRow = row('raw TransactWriteItems, same items', rawMs);

  const f = (n: number) => n.toFixed(2);
  console.log(
    `\nParticipant runtime on DynamoDB Local (${iterations} iterations each, ${warmup} warm-up, interleaved)\n`,
  );
  console.log('| measure | value |');
  console.log('| --- | --- |');
  console.log(`| DynamoDB requests, first-time action | ${firstTime} |`);
  console.log(`| DynamoDB requests, duplicate delivery | ${duplicate} |`);
  console.log(`| p50 / p99 participant action | ${f(runtimeRow.p50)} ms / ${f(runtimeRow.p99)} ms |`);
  console.log(`| p50 / p99 raw TransactWriteItems | ${f(rawRow.p50)} ms / ${f(rawRow.p99)} ms |`);
  console.log(
    `| ratio runtime / raw (target <= 1.3x) | p50 ${(runtimeRow.p50 / rawRow.p50).toFixed(2)}x, p99 ${(runtimeRow.p99 / rawRow.p99).toFixed(2)}x |`,
  );
} finally {
  await dynamo.stop();
}
