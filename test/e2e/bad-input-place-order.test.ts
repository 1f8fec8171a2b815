import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { type Gateway, startGateway } from '../../infra/local/gateway/index.js';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing.js';
import { scanTable } from '../campaign/snapshot.js';
import { engineClients, eventually, historyOf } from '../support/local-cloud.js';

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

  it('parks a schema-violating order: every participant refuses it with SagaInvalidRequest and no table changes', async () => {
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
    // The action refuses the input, and so does the compensation that follows it (same schema), until
    // its retries run out: an operator must look at an order the participants cannot even read.
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaParked');
    const caught = JSON.parse(done.cause ?? '{}') as Record<string, { Error: string; Cause: string }>;
    expect(caught.ReserveInventory?.Error).toBe('SagaInvalidRequest');
    expect(JSON.parse(caught.ReserveInventory?.Cause ?? '{}').errorMessage).toMatch(
      /Saga PlaceOrder \(bad-schema-1\) sent Inventory\.reserve an input that does not match the participant's schema: [\s\S]*customerId[\s\S]*quantity[\s\S]*amount/,
    );
    expect(caught['Compensate ReserveInventory']?.Error).toBe('SagaInvalidRequest');
    const failed = (await historyOf(local.cloud, executionArn)).filter(
      (e) => e.type === 'LambdaFunctionFailed',
    );
    expect(failed.length).toBeGreaterThan(1);
    expect(await allItems()).toEqual(before);
    const parkedUrl = local.cloud.resources.find('PlaceOrder/ParkedQueue', 'queue').url ?? '';
    const parked = await eventually(async () => {
      const out = await engineClients(local.cloud).sqs.send(
        new ReceiveMessageCommand({ QueueUrl: parkedUrl, MaxNumberOfMessages: 10 }),
      );
      return out.Messages?.map((m) => JSON.parse(m.Body ?? '{}')).find((b) => b.sagaId === 'bad-schema-1');
    });
    expect(parked.sagaName).toBe('PlaceOrder');
  });
});
