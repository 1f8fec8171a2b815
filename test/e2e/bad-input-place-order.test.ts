import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { type Gateway, startGateway } from '../../infra/local/gateway/index.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { scanTable } from '../campaign/snapshot.js';
import { engineClients, historyOf } from '../support/local-cloud.js';

// Bad inputs to the example saga: each gets a clear error and leaves no partial state. Invalid saga
// declarations are refused at synth (test/unit/saga-validation.test.ts).
const local = useLocalCloud(() => buildExampleApp().app, {
  retryIntervalDivisor: 50,
  synthCache: { name: 'infra/app.ts' },
});
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway(local.cloud, { port: 0 });
});
afterAll(async () => {
  await gateway?.stop();
});

const machine = () => local.cloud.resources.find('PlaceOrder', 'stateMachine').arn;
const participantTables = () =>
  ['Inventory', 'Payment', 'Shipping'].map(
    (p) =>
      local.cloud.resources.list('table').find((r) => r.path?.startsWith(`StepsagaExample/${p}/Table/`))
        ?.name ?? '',
  );
const allItems = async () => {
  const { dynamodb } = engineClients(local.cloud);
  const tables = await Promise.all(participantTables().map((t) => scanTable(dynamodb, t)));
  return tables.map((t) => t.items);
};
const sfn = () =>
  new SFNClient({
    endpoint: gateway.endpoint,
    region: local.cloud.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

describe('bad inputs to PlaceOrder', () => {
  it('refuses an input over 256 KB at StartExecution with ValidationException, as AWS does, and starts nothing', async () => {
    const client = sfn();
    const input = JSON.stringify({ orderId: 'big-1', note: 'x'.repeat(262_144) });
    const error = await client
      .send(new StartExecutionCommand({ stateMachineArn: machine(), name: 'big-1', input }))
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
    });
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: machine() }));
    expect(listed.executions?.map((e) => e.name)).not.toContain('big-1');
    client.destroy();
  });

  it('refuses input that is not JSON with InvalidExecutionInput', async () => {
    const client = sfn();
    await expect(
      client.send(
        new StartExecutionCommand({ stateMachineArn: machine(), name: 'notjson-1', input: '{orderId:' }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
    client.destroy();
  });

  it.each([6_000, 10_000])(
    'refuses input nested %i levels deep with InvalidExecutionInput and starts nothing',
    async (depth) => {
      const client = sfn();
      const before = await allItems();
      const name = `deep-${depth}`;
      const input = `{"orderId":"${name}","nested":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const error = await client
        .send(new StartExecutionCommand({ stateMachineArn: machine(), name, input }))
        .catch((e: unknown) => e as Error);
      expect(error).toMatchObject({ name: 'InvalidExecutionInput' });
      expect((error as Error).message).toContain(`nested ${depth + 1} levels deep`);
      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: machine() }));
      expect(listed.executions?.map((e) => e.name)).not.toContain(name);
      expect(await allItems()).toEqual(before);
      client.destroy();
    },
  );

  it('accepts input nested up to the limit, and counts brackets inside strings as text', async () => {
    const client = sfn();
    const input = JSON.stringify({ orderId: 'deep-ok', note: '['.repeat(5_000) });
    const nested = `{"orderId":"deep-ok-2","nested":${'['.repeat(999)}${']'.repeat(999)}}`;
    for (const [name, text] of [
      ['deep-ok', input],
      ['deep-ok-2', nested],
    ] as const) {
      const started = await client.send(
        new StartExecutionCommand({ stateMachineArn: machine(), name, input: text }),
      );
      expect(started.executionArn).toContain(name);
      const done = await waitForExecution(local.cloud, started.executionArn ?? '', 60_000);
      expect(done.status).not.toBe('RUNNING');
      expect((await historyOf(local.cloud, started.executionArn ?? ''))[0]?.type).toBe('ExecutionStarted');
    }
    client.destroy();
  });

  it('compensates a schema-violating order at once: the first participant refuses it with SagaInvalidRequest and nothing changes', async () => {
    const before = await allItems();
    const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
      stateMachineArn: machine(),
      name: 'bad-schema-1',
      input: JSON.stringify({
        orderId: 'bad-schema-1',
        customerId: '',
        sku: 'WIDGET',
        quantity: -1,
        amount: 1.5,
      }),
    })) as { executionArn: string };
    const done = await waitForExecution(local.cloud, executionArn, 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCompensated');
    const caught = JSON.parse(done.cause ?? '{}') as Record<string, { Error: string; Cause: string }>;
    expect(Object.keys(caught)).toEqual(['ReserveInventory']);
    expect(caught.ReserveInventory?.Error).toBe('SagaInvalidRequest');
    expect(JSON.parse(caught.ReserveInventory?.Cause ?? '{}').errorMessage).toMatch(
      /Saga PlaceOrder \(bad-schema-1\) sent Inventory\.reserve an input that does not match the participant's schema: [\s\S]*customerId[\s\S]*quantity[\s\S]*amount/,
    );
    // The error keeps its name and message; no stack trace, so no file path of the bundle.
    const payload = JSON.parse(caught.ReserveInventory?.Cause ?? '{}');
    expect(payload.trace).toEqual(`SagaInvalidRequest: ${payload.errorMessage}`.split('\n'));
    expect(done.cause).not.toMatch(/\.m?js:\d+|\/var\/task|node_modules|file:\/\//);
    // Refused once, not retried; its compensation is empty and needs no input.
    const history = await historyOf(local.cloud, executionArn);
    for (const failed of history.filter((e) => e.type === 'LambdaFunctionFailed')) {
      expect(JSON.stringify(failed)).not.toMatch(/\.m?js:\d+|\/var\/task|node_modules/);
    }
    expect(history.filter((e) => e.type === 'LambdaFunctionFailed')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'LambdaFunctionSucceeded')).toHaveLength(1);
    // No business item changed: the Inventory table holds only the saga's two barrier records (the
    // empty compensation, and the block that refuses a late reserve), which expire with the TTL.
    const after = await allItems();
    const added = after[0]!.filter(
      (item) => !before[0]!.some((old) => old['pk'] === item['pk'] && old['sk'] === item['sk']),
    );
    expect(added.map((item) => [item['itemType'], item['phase'], item['status']]).sort()).toEqual([
      ['barrier', 'action', 'blocked'],
      ['barrier', 'compensation', 'empty'],
    ]);
    expect(after[0]!.filter((item) => item['itemType'] !== 'barrier')).toEqual(
      before[0]!.filter((item) => item['itemType'] !== 'barrier'),
    );
    expect(after.slice(1)).toEqual(before.slice(1));
  });
});
