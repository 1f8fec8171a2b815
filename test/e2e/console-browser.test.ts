import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { startGateway } from '../../infra/local/gateway/index.js';
import { useLocalCloud, waitForExecution, waitingParkToken } from '../../infra/local/testing/index.js';
import type { InjectedFaultHandle } from '../../infra/local/types.js';
import { engineClients, eventually, getItem, historyOf } from '../support/local-cloud.js';

/**
 * The local console in a real browser (Debian's Chromium, driven by playwright-core): the example
 * app on one local cloud, an order that succeeds, one that compensates after a retried payment, and
 * one whose refund keeps failing so that it parks; the operator resumes it with a click.
 * Screenshots land in test-artifacts/console/.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

// Checked before the cloud starts: a machine without Chromium fails at once, saying how to fix it.
beforeAll(() => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the console's browser tests drive Debian's Chromium. Install it with ` +
        '`apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium`.',
    );
  }
});
const local = useLocalCloud(() => buildExampleApp().app, {
  retryIntervalDivisor: 50,
  synthCache: { name: 'infra/app.ts' },
  faults: {},
  startTimeoutMs: 300_000,
});
let context: BrowserContext;
let page: Page;
let profile: string;

const byPath = (kind: 'table' | 'function' | 'queue' | 'stateMachine', prefix: string) => {
  const found = local.cloud.resources
    .list(kind)
    .filter((r) => r.path?.startsWith(`StepsagaExample/${prefix}`));
  if (found.length !== 1 || !found[0])
    throw new Error(`expected one ${kind} under ${prefix}, found ${found.length}`);
  return found[0];
};
const table = (participant: string) => byPath('table', `${participant}/Table/`).name;
const fn = (participant: string) => byPath('function', `${participant}/Function/`).name;
const dynamodb = () => engineClients(local.cloud).dynamodb;
const balance = async (customer: string) =>
  Number((await getItem(dynamodb(), table('Payment'), `ACCOUNT#${customer}`, 'BALANCE'))?.balance?.N);
const stock = async (sku: string) =>
  Number((await getItem(dynamodb(), table('Inventory'), `SKU#${sku}`, 'STOCK'))?.available?.N);

async function seed(id: string, funds: number) {
  await dynamodb().send(
    new PutItemCommand({
      TableName: table('Inventory'),
      Item: marshall({ pk: `SKU#${id}`, sk: 'STOCK', available: 10 }),
    }),
  );
  await dynamodb().send(
    new PutItemCommand({
      TableName: table('Payment'),
      Item: marshall({ pk: `ACCOUNT#${id}`, sk: 'BALANCE', balance: funds }),
    }),
  );
}

async function startOrder(orderId: string, amount: number): Promise<string> {
  const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: byPath('stateMachine', 'PlaceOrder/').arn,
    name: orderId,
    input: JSON.stringify({ orderId, customerId: orderId, sku: orderId, quantity: 2, amount }),
  })) as { executionArn: string };
  return executionArn;
}

const executions: Record<'succeeded' | 'compensated' | 'parked', string> = {
  succeeded: '',
  compensated: '',
  parked: '',
};
let refundFault: InjectedFaultHandle;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  profile = await mkdtemp(join(tmpdir(), 'stepsaga-console-chromium-'));
  // Without the background-networking flags Chromium waits on services it cannot reach offline.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1440, height: 900 },
  });
  page = context.pages()[0] ?? (await context.newPage());

  // An order that succeeds.
  await seed('console-ok-1', 10_000);
  executions.succeeded = await startOrder('console-ok-1', 1_000);
  // An order whose payment fails once (retried), then for good (too little money): compensated.
  await seed('console-comp-1', 500);
  local.cloud.faults.inject({
    kind: 'error',
    function: fn('Payment'),
    sagaId: 'console-comp-1',
    phase: 'action',
    errorType: 'Lambda.ServiceException',
    errorMessage: 'payment provider slow',
    times: 1,
  });
  executions.compensated = await startOrder('console-comp-1', 1_000);
  // An order Shipping refuses and whose refund keeps failing: parked, waiting for an operator.
  await seed('console-park-1', 10_000);
  local.cloud.faults.inject({
    kind: 'error',
    function: fn('Shipping'),
    sagaId: 'console-park-1',
    phase: 'action',
    errorType: 'SagaBusinessError',
    errorMessage: 'address unknown',
    times: 'always',
  });
  refundFault = local.cloud.faults.inject({
    kind: 'error',
    function: fn('Payment'),
    sagaId: 'console-park-1',
    phase: 'compensation',
    errorType: 'Lambda.ServiceException',
    errorMessage: 'payment provider down',
    times: 'always',
  });
  executions.parked = await startOrder('console-park-1', 1_000);
  await waitForExecution(local.cloud, executions.succeeded, 90_000);
  await waitForExecution(local.cloud, executions.compensated, 90_000);
  await eventually(
    async () => waitingParkToken(await historyOf(local.cloud, executions.parked)),
    90_000,
    'the park',
  );
}, 240_000);

afterAll(async () => {
  await context?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function shot(name: string): Promise<void> {
  // Notes of earlier clicks would cover the view.
  await page.locator('.toast').evaluateAll((notes) => {
    for (const note of notes) note.remove();
  });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

describe('local console in Chromium', () => {
  it('lists executions with their status and filters them by status', async () => {
    await page.goto(local.cloud.consoleUrl);
    const rows = page.locator('#executions tbody tr');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(3);
    const statusOf = (name: string) =>
      page.locator(`tr[data-execution="${name}"] .pill`).first().textContent();
    expect(await statusOf('console-ok-1')).toBe('SUCCEEDED');
    expect(await statusOf('console-comp-1')).toBe('FAILED');
    expect(await statusOf('console-park-1')).toBe('RUNNING');
    await expect.poll(() => page.locator('#parked-count').textContent(), { timeout: 15_000 }).toBe('1');
    await shot('executions');

    await page.click('a.chip[data-status="FAILED"]');
    await expect.poll(() => page.locator('#executions tbody tr').count(), { timeout: 15_000 }).toBe(1);
    expect(await page.locator('#executions tbody tr').first().getAttribute('data-execution')).toBe(
      'console-comp-1',
    );
  });

  it("shows a compensated execution's timeline with its retry and compensations, and its path on the graph", async () => {
    await page.click('a.chip:not([data-status])');
    await page.click('tr[data-execution="console-comp-1"] a');
    await page.waitForSelector('#timeline');
    const row = (state: string) => page.locator(`#timeline li[data-state="${state}"]`);
    expect(await row('ChargePayment').locator('.badge-retry').textContent()).toBe('1 retry');
    expect(await row('ChargePayment').locator('.tl-failure').allTextContents()).toEqual([
      expect.stringContaining('Lambda.ServiceException payment provider slow'),
      expect.stringContaining('SagaBusinessError'),
    ]);
    for (const state of ['Compensate ChargePayment', 'Compensate ReserveInventory']) {
      expect(await row(state).getAttribute('class')).toContain('tl-compensation');
      expect(await row(state).locator('.tl-status').textContent()).toBe('compensated');
    }
    expect(await page.locator('.callout').textContent()).toContain('SagaCompensated');
    await shot('compensated-timeline');

    await page.click('a.tab:text("Graph")');
    await page.waitForSelector('svg.graph');
    const node = (state: string) => page.locator(`svg.graph g.node[data-state="${state}"]`);
    expect(await node('Compensate ChargePayment').getAttribute('class')).toContain('node-compensation');
    expect(await node('Compensate ChargePayment').getAttribute('class')).toContain('visited-succeeded');
    expect(await node('ShipOrder').getAttribute('class')).toContain('unvisited');
    expect(await node('ChargePayment').getAttribute('class')).toContain('visited-failed');
    await shot('compensated-graph');
  });

  it('resumes a parked saga with a click on Retry once the fault is lifted', async () => {
    await page.click('.sidebar a[data-view="parked"]');
    const card = page.locator('.parked-card[data-saga="console-park-1"]');
    await card.waitFor();
    expect(await card.locator('.facts').textContent()).toContain('Compensate ChargePayment');
    expect(await card.locator('.facts').textContent()).toContain('payment provider down');
    expect(await balance('console-park-1')).toBe(9_000);
    await shot('parked-saga');

    refundFault.remove();
    await card.locator('button[data-decision="retry"]').click();
    await expect
      .poll(() => card.locator('.parked-state').textContent(), { timeout: 15_000 })
      .toBe('retry sent');
    const done = await waitForExecution(local.cloud, executions.parked, 60_000);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaCompensated');
    expect(await balance('console-park-1')).toBe(10_000);
    expect(await stock('console-park-1')).toBe(10);
    const refund = await getItem(
      dynamodb(),
      table('Payment'),
      'BARRIER#PlaceOrder#console-park-1',
      'ChargePayment#compensation',
    );
    expect(refund?.status?.S).toBe('committed');
    const decision = (await historyOf(local.cloud, executions.parked)).find(
      (e) => e.type === 'TaskSucceeded' && String(JSON.stringify(e)).includes('decision'),
    );
    expect(JSON.stringify(decision)).toContain('stepsaga console');

    await page.goto(`${local.cloud.consoleUrl}#/execution/${encodeURIComponent(executions.parked)}`);
    await page.waitForSelector('#timeline li[data-state="Decide Compensate ChargePayment"]');
    expect(
      await page
        .locator('#timeline li[data-state="Park Compensate ChargePayment"] .tl-decided')
        .textContent(),
    ).toBe('Operator decision: retry by stepsaga console');
    await expect
      .poll(() => page.locator('.summary .pill').first().textContent(), { timeout: 15_000 })
      .toBe('FAILED');
    await shot('parked-then-retried-timeline');
  });

  it('shows queues with their counts, redrives a dead-letter queue, and shows tables with barrier and outbox items', async () => {
    const dlq = byPath('queue', 'OrderEventsDeadLetterQueue/');
    await engineClients(local.cloud).sqs.send(
      new SendMessageCommand({ QueueUrl: dlq.url, MessageBody: JSON.stringify({ lost: 'console-dlq-1' }) }),
    );
    await page.click('.sidebar a[data-view="queues"]');
    await page.waitForSelector('#queues');
    const parkedQueue = byPath('queue', 'PlaceOrder/ParkedQueue/').name;
    expect(await page.locator(`tr[data-queue="${parkedQueue}"] .kind`).textContent()).toBe('parked');
    const dlqRow = page.locator(`tr[data-queue="${dlq.name}"]`);
    expect(await dlqRow.locator('.kind').textContent()).toBe('dead-letter');
    expect(await dlqRow.locator('td.num').first().textContent()).toBe('1');
    await shot('queues');
    await dlqRow.locator('button').click();
    await expect
      .poll(() => page.locator('.toast').last().textContent(), { timeout: 15_000 })
      .toBe('Moved 1 message from OrderEventsDeadLetterQueue back to OrderEvents');
    await expect.poll(() => dlqRow.locator('td.num').first().textContent(), { timeout: 15_000 }).toBe('0');

    await page.click('.sidebar a[data-view="tables"]');
    await page.click(`a.chip:text("Payment/Table")`);
    const barriers = page.locator('section[data-group="barrier"]');
    // The section may still show the table the view opened with until the chosen one has loaded.
    await expect
      .poll(() => barriers.textContent(), { timeout: 15_000 })
      .toContain('BARRIER#PlaceOrder#console-park-1');
    await shot('tables');

    await page.click('.sidebar a[data-view="state-machines"]');
    await page.click('a.card-link:has-text("PlaceOrder")');
    const graph = page.locator('svg.graph');
    await graph.waitFor();
    expect(await graph.locator('g.node-compensation').count()).toBe(2);
    expect(
      await graph.locator('g.node[data-state="Compensate ReserveInventory"]').getAttribute('class'),
    ).toBe('node node-compensation');
    await shot('state-machine-graph');
  });
});

describe('console security', () => {
  it('sends a strict content security policy and refuses foreign origins, even ones allowed for the AWS APIs', async () => {
    const gateway = await startGateway(local.cloud, {
      port: 0,
      allowedOrigins: ['http://app.localhost:3000'],
    });
    try {
      const own = await fetch(`${gateway.consoleUrl}`);
      expect(own.status).toBe(200);
      expect(own.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(own.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await own.text()).toContain('/_console/assets/app.js');

      const foreign = await fetch(`${gateway.consoleUrl}api/executions`, {
        headers: { origin: 'http://app.localhost:3000' },
      });
      expect(foreign.status).toBe(403);
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      // A site whose name resolves to 127.0.0.1 (DNS rebinding) sends its own name as Host.
      const rebinding = await new Promise<number>((resolve, reject) => {
        request(
          `${gateway.consoleUrl}api/executions`,
          { headers: { host: `evil.example:${gateway.port}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
          .on('error', reject)
          .end();
      });
      expect(rebinding).toBe(403);
    } finally {
      await gateway.stop();
    }
  });

  it('refuses a state-changing request without the JSON body and the console header', async () => {
    const decide = `${local.cloud.consoleUrl}api/parked/decide`;
    const form = await fetch(decide, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'executionArn=x&decision=abandon',
    });
    expect(form.status).toBe(403);
    const noHeader = await fetch(decide, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ executionArn: 'x', decision: 'abandon' }),
    });
    expect(noHeader.status).toBe(403);
    expect(((await noHeader.json()) as { message: string }).message).toContain('x-stepsaga-console');
    const crossSite = await fetch(decide, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-stepsaga-console': '1',
        'sec-fetch-site': 'cross-site',
      },
      body: JSON.stringify({ executionArn: 'x', decision: 'abandon' }),
    });
    expect(crossSite.status).toBe(403);
  });
});
