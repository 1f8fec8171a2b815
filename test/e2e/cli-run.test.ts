import { execFile } from 'node:child_process';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostedCloud, hostLocalCloud } from '../../infra/local/cli/host.js';
import { lazyAppFactory } from '../../infra/local/cli/load-app.js';
import type { LocalResourceKind } from '../../infra/local/index.js';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let hosted: HostedCloud;
let db: DynamoDBClient;

/** Runs the real `stepsaga` command as a client of the gateway, the way a user would. */
function stepsaga(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'node_modules/.bin/tsx',
      ['infra/local/cli/main.ts', ...args],
      { env: { ...process.env, AWS_ENDPOINT_URL: hosted.gateway.endpoint, AWS_REGION: 'us-east-1' } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const nameOf = (kind: LocalResourceKind, prefix: string) => {
  const found = hosted.cloud.resources.list(kind).find((r) => r.logicalId.startsWith(prefix));
  if (!found) throw new Error(`no ${kind} ${prefix}* in the example app`);
  return found.name;
};

async function numberAttribute(
  table: string,
  pk: string,
  sk: string,
  attribute: string,
): Promise<string | undefined> {
  const { Item } = await db.send(
    new GetItemCommand({
      TableName: nameOf('table', table),
      Key: { pk: { S: pk }, sk: { S: sk } },
      ConsistentRead: true,
    }),
  );
  return Item?.[attribute]?.N;
}

beforeAll(async () => {
  hosted = await hostLocalCloud({
    app: lazyAppFactory('infra/app.ts'),
    synthCache: { name: 'infra/app.ts' },
    port: 0,
  });
  db = new DynamoDBClient({
    endpoint: hosted.gateway.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const put = (table: string, item: Record<string, { S: string } | { N: string }>) =>
    db.send(new PutItemCommand({ TableName: nameOf('table', table), Item: item }));
  await put('Inventory', { pk: { S: 'SKU#cli-widget' }, sk: { S: 'STOCK' }, available: { N: '10' } });
  await put('Payment', { pk: { S: 'ACCOUNT#cli-rich' }, sk: { S: 'BALANCE' }, balance: { N: '10000' } });
  await put('Payment', { pk: { S: 'ACCOUNT#cli-poor' }, sk: { S: 'BALANCE' }, balance: { N: '100' } });
});

afterAll(async () => {
  db?.destroy();
  await hosted?.stop();
});

describe('stepsaga run', () => {
  it('exits 0 and prints each step succeeding when the saga succeeds', async () => {
    const input = JSON.stringify({
      orderId: 'cli-1',
      customerId: 'cli-rich',
      sku: 'cli-widget',
      quantity: 2,
      amount: 700,
    });
    const result = await stepsaga('run', 'PlaceOrder', '--input', input, '--name', 'cli-1');
    expect(result.stderr).not.toContain('stepsaga:');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/execution arn:aws:states:us-east-1:\d{12}:execution:PlaceOrder:cli-1/);
    for (const step of ['ReserveInventory', 'ChargePayment', 'ShipOrder']) {
      expect(result.stdout).toMatch(new RegExp(`${step}\\s+started`));
      expect(result.stdout).toMatch(new RegExp(`${step}\\s+succeeded`));
    }
    expect(result.stdout).toMatch(/saga\s+SUCCEEDED/);
    expect(await numberAttribute('Inventory', 'SKU#cli-widget', 'STOCK', 'available')).toBe('8');
  });

  it('exits 1 and prints the failure and the compensation when payment is refused', async () => {
    const input = JSON.stringify({
      orderId: 'cli-2',
      customerId: 'cli-poor',
      sku: 'cli-widget',
      quantity: 3,
      amount: 5000,
    });
    const result = await stepsaga('run', 'PlaceOrder', '--input', input, '--name', 'cli-2');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ChargePayment\s+failed\s+SagaBusinessError: Insufficient funds/);
    expect(result.stdout).toMatch(/Compensate ReserveInventory\s+compensating/);
    expect(result.stdout).toMatch(/Compensate ReserveInventory\s+compensated/);
    expect(result.stdout).not.toMatch(/ShipOrder\s+started/);
    expect(result.stdout).toMatch(
      /saga\s+FAILED\s+SagaCompensated \(ChargePayment: SagaBusinessError: Insufficient funds/,
    );
    // The reservation of 3 was released: stock is what the first test left.
    expect(await numberAttribute('Inventory', 'SKU#cli-widget', 'STOCK', 'available')).toBe('8');
    expect(await numberAttribute('Payment', 'ACCOUNT#cli-poor', 'BALANCE', 'balance')).toBe('100');
  });

  it('exits 2 and lists the known state machines for an unknown saga', async () => {
    const result = await stepsaga('run', 'NoSuchSaga', '--input', '{}');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'No state machine matches "NoSuchSaga". Known state machines: PlaceOrder, Transfer.',
    );
  });

  it('exits 2 and says why when --input is not JSON', async () => {
    const result = await stepsaga('run', 'PlaceOrder', '--input', '{orderId:');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--input is not valid JSON');
  });
});

describe('stepsaga executions and history', () => {
  it('lists the executions of a saga with their status', async () => {
    const result = await stepsaga('executions', 'PlaceOrder');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/PlaceOrder\s+cli-1\s+SUCCEEDED/);
    expect(result.stdout).toMatch(/PlaceOrder\s+cli-2\s+FAILED/);
  });

  it('prints the event history of an execution', async () => {
    const arn = `arn:aws:states:us-east-1:${hosted.cloud.accountId}:execution:PlaceOrder:cli-2`;
    const result = await stepsaga('history', arn);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/ExecutionStarted/);
    expect(result.stdout).toMatch(/TaskStateEntered\s+Compensate ReserveInventory/);
    expect(result.stdout).toMatch(/ExecutionFailed\s+SagaCompensated/);
  });

  it('explains that no local cloud is listening when the endpoint is down', async () => {
    const result = await new Promise<CliResult>((resolve) => {
      execFile(
        'node_modules/.bin/tsx',
        ['infra/local/cli/main.ts', 'executions', '--endpoint-url', 'http://127.0.0.1:9'],
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Cannot reach http://127.0.0.1:9');
  });
});
