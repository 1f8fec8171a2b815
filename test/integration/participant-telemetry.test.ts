import { afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { z } from 'zod';
import { defineParticipant } from '../../functions/runtime/index.js';
import { createParticipantTable, localDynamoClient, uniqueId } from '../support/dynamo-tables.js';

let table: string;
const client = () => localDynamoClient(inject('dynamoDbEndpoint'));

beforeAll(async () => {
  table = await createParticipantTable(client(), 'telemetry');
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'stepsaga-test';
  delete process.env.POWERTOOLS_METRICS_DISABLED;
});

afterEach(() => vi.restoreAllMocks());

/** Runs the body and returns every JSON line written to stdout meanwhile. */
async function captureStdout(body: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  await body();
  vi.restoreAllMocks();
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

function participant(logPayloads?: boolean) {
  return defineParticipant({
    name: 'Telemetry',
    input: z.object({ card: z.string() }),
    client: client(),
    tableName: table,
    logPayloads,
    actions: {
      charge: ({ input, emit }) => {
        emit('Charged', { card: input.card });
        return { card: input.card };
      },
    },
    compensations: { refund: () => null },
  });
}

const request = (sagaId: string, phase = 'action', action = 'charge') => ({
  sagaId,
  sagaName: 'Checkout',
  step: 'Charge',
  phase,
  action,
  input: { card: '4111-SECRET' },
  results: {},
});

describe('logs and metrics', () => {
  it('tags every log line with the saga, step, phase and action and keeps payloads out', async () => {
    const sagaId = uniqueId('saga');
    const handler = participant();
    const lines = await captureStdout(async () => {
      await handler(request(sagaId));
      await handler(request(sagaId));
    });

    const logs = lines.filter((line) => 'level' in line);
    expect(logs.map((line) => line.message)).toEqual([
      'Phase committed',
      'Duplicate delivery: returning the recorded result',
    ]);
    for (const line of logs) {
      expect(line).toMatchObject({
        sagaId,
        sagaName: 'Checkout',
        step: 'Charge',
        phase: 'action',
        action: 'charge',
      });
    }
    expect(JSON.stringify(lines)).not.toContain('4111-SECRET');
  });

  it('logs payloads when opted in', async () => {
    const lines = await captureStdout(() => participant(true)(request(uniqueId('saga'))));
    expect(lines.find((line) => line.message === 'Phase committed')).toMatchObject({
      result: { card: '4111-SECRET' },
      payloads: [{ card: '4111-SECRET' }],
    });
  });

  it('counts commits, duplicates, empty compensations and refused late actions as EMF metrics', async () => {
    const committed = uniqueId('saga');
    const compensatedFirst = uniqueId('saga');
    const handler = participant();
    const lines = await captureStdout(async () => {
      await handler(request(committed));
      await handler(request(committed));
      await handler(request(compensatedFirst, 'compensation', 'refund'));
      await handler(request(compensatedFirst)).catch(() => undefined);
    });

    const metrics = lines
      .filter((line) => '_aws' in line)
      .map((line) => {
        const emf = line._aws as { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
        const [directive] = emf.CloudWatchMetrics;
        return {
          namespace: directive?.Namespace,
          name: directive?.Metrics[0]?.Name,
          participant: line.participant,
        };
      });
    expect(metrics).toEqual(
      ['BarrierCommits', 'DuplicateDeliveries', 'EmptyCompensations', 'RefusedLateActions'].map((name) => ({
        namespace: 'stepsaga-test',
        name,
        participant: 'Telemetry',
      })),
    );
  });
});
