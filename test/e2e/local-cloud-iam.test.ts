import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleApp } from '../../infra/app.js';
import { loadAssembly } from '../../infra/local/cloud-assembly.js';
import { startLocalCloud } from '../../infra/local/index.js';
import { SynthCache } from '../../infra/local/synth-cache.js';
import { enteredStates, waitForExecution } from '../../infra/local/testing/index.js';
import type { LocalCloud, LocalLogLine } from '../../infra/local/types.js';
import { engineClients, eventually, getItem, historyOf } from '../support/local-cloud.js';

/**
 * The example app with two grants taken away: the PlaceOrder state machine's role may no longer
 * invoke the Payment function (a task), and the Inventory outbox relay's role may no longer send to
 * the order events queue (an SDK call of a function). Built from the cached synthesis (no second
 * synth): its templates are copied and edited, its bundled assets linked.
 */
async function assemblyWithoutThreeGrants(): Promise<{ directory: string }> {
  const cached = await loadAssembly(() => buildExampleApp().app, new SynthCache({ name: 'infra/app.ts' }));
  const directory = mkdtempSync(join(tmpdir(), 'stepsaga-iam-'));
  for (const name of readdirSync(cached.directory)) {
    const from = join(cached.directory, name);
    if (statSync(from).isDirectory()) symlinkSync(from, join(directory, name));
    else cpSync(from, join(directory, name));
  }
  const file = join(directory, 'StepsagaExample.template.json');
  const template = JSON.parse(readFileSync(file, 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  let removed = '';
  let relayGrant = false;
  let notifierGrant = false;
  for (const [id, resource] of Object.entries(template.Resources)) {
    // The outcome notifier invokes its target function through the cloud's endpoint (Lambda), not
    // an engine: its calls are evaluated there under warn as well as enforce.
    if (resource.Type === 'AWS::IAM::Policy' && id.startsWith('OrderOutcomesRoleDefaultPolicy')) {
      const document = resource.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
      const before = document.Statement.length;
      document.Statement = document.Statement.filter((s) => s.Action !== 'lambda:InvokeFunction');
      notifierGrant = document.Statement.length === before - 1;
    }
    if (resource.Type === 'AWS::IAM::Policy' && id.startsWith('EventsFromInventoryRoleDefaultPolicy')) {
      const document = resource.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> };
      const before = document.Statement.length;
      document.Statement = document.Statement.filter(
        (s) =>
          !(
            s.Action === 'sqs:SendMessage' &&
            (s.Resource as { 'Fn::GetAtt'?: string[] })['Fn::GetAtt']?.[0]?.startsWith('OrderEvents')
          ),
      );
      relayGrant = document.Statement.length === before - 1;
    }
    if (resource.Type !== 'AWS::IAM::Policy' || !id.startsWith('PlaceOrderRoleDefaultPolicy')) continue;
    const statements = (resource.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> })
      .Statement;
    for (const statement of statements) {
      if (statement.Action !== 'lambda:InvokeFunction') continue;
      // The saga invokes Payment by version, so its grant is `<function ARN>:*` (an Fn::Join around
      // the function's GetAtt); an unversioned grant is the GetAtt itself.
      const resources = statement.Resource as unknown[];
      statement.Resource = resources.filter((r) => {
        const payment = /"(PaymentFunction[A-Za-z0-9]*)"/.exec(JSON.stringify(r))?.[1];
        if (payment) removed = payment;
        return payment === undefined;
      });
    }
  }
  if (!removed || !relayGrant || !notifierGrant)
    throw new Error('the grants this test removes are no longer in the example app: update this test');
  writeFileSync(file, JSON.stringify(template));
  return { directory };
}

/** A resource of the edited assembly by logical id prefix (an assembly folder carries no construct paths). */
const resource = (cloud: LocalCloud, kind: 'table' | 'function' | 'stateMachine', prefix: string) => {
  const found = cloud.resources.list(kind).find((r) => r.logicalId.startsWith(prefix));
  if (!found) throw new Error(`no ${kind} ${prefix}* in the app`);
  return found;
};
const table = (cloud: LocalCloud, participant: string) =>
  resource(cloud, 'table', `${participant}Table`).name;

async function seed(cloud: LocalCloud): Promise<void> {
  const { dynamodb } = engineClients(cloud);
  await dynamodb.send(
    new PutItemCommand({
      TableName: table(cloud, 'Inventory'),
      Item: { pk: { S: 'SKU#WIDGET' }, sk: { S: 'STOCK' }, available: { N: '10' } },
    }),
  );
  await dynamodb.send(
    new PutItemCommand({
      TableName: table(cloud, 'Payment'),
      Item: { pk: { S: 'ACCOUNT#alice' }, sk: { S: 'BALANCE' }, balance: { N: '100000' } },
    }),
  );
}

async function placeOrder(cloud: LocalCloud, orderId: string, quantity = 2) {
  const saga = resource(cloud, 'stateMachine', 'PlaceOrder');
  const { executionArn } = (await cloud.stepFunctions.call('StartExecution', {
    stateMachineArn: saga.arn,
    name: orderId,
    input: JSON.stringify({ orderId, customerId: 'alice', sku: 'WIDGET', quantity, amount: 1_000 }),
  })) as { executionArn: string };
  // A parked saga waits for an operator; abandoning it ends the execution.
  return {
    executionArn,
    done: await waitForExecution(cloud, executionArn, 60_000, { parkedDecision: 'abandon' }),
  };
}

describe('IAM on the local cloud: the example app without three of its grants', () => {
  let assembly: { directory: string };
  const logs: LocalLogLine[] = [];
  let cloud: LocalCloud | undefined;
  /** One cloud for the file, switched from the default mode to enforcement between the tests. */
  const started = (iam: 'warn' | 'enforce') => {
    if (!cloud) throw new Error('the cloud did not start');
    if (iam !== cloud.iamMode) cloud.setIamMode(iam);
    logs.length = 0;
    return cloud;
  };
  const iamWarnings = () => logs.filter((l) => l.level === 'warn' && l.message.startsWith('IAM:'));
  /** The relay runs after the saga's first step committed its outbox item: wait for its warning. */
  const relayWarning = (local: LocalCloud) => {
    const relay = resource(local, 'function', 'EventsFromInventoryFunction');
    const queue = local.resources
      .list('queue')
      .find((q) => q.logicalId.startsWith('OrderEvents') && !q.logicalId.includes('Dead'));
    return eventually(
      async () => iamWarnings().find((w) => w.message.includes(`of function ${relay.name} `)),
      30_000,
      'the relay warning',
    ).then((w) => ({ message: w.message, relay, queue: queue?.arn ?? '' }));
  };

  beforeAll(async () => {
    assembly = await assemblyWithoutThreeGrants();
    cloud = await startLocalCloud({
      app: assembly.directory,
      retryIntervalDivisor: 200,
      onLog: (line) => logs.push(line),
    });
    await seed(cloud);
  }, 180_000);
  afterAll(async () => {
    await cloud?.stop();
    if (assembly) rmSync(assembly.directory, { recursive: true, force: true });
  }, 60_000);

  it('by default the saga still succeeds, with one warning per missing grant naming the role, the action, the resource and the grant', async () => {
    const local = started('warn');
    expect(local.iamMode).toBe('warn');
    const payment = resource(local, 'function', 'PaymentFunction');
    const { done } = await placeOrder(local, 'iam-warn-1');
    expect(done.status).toBe('SUCCEEDED');
    await placeOrder(local, 'iam-warn-2');
    const relay = await relayWarning(local);
    expect(relay.message).toMatch(
      /^IAM: role StepsagaExample\/(EventsFromInventoryRole[A-Z0-9]+) \(\1\) of function /,
    );
    expect(relay.message).toContain(
      `of function ${relay.relay.name} may not perform sqs:SendMessage on ${relay.queue}: no identity-based policy`,
    );
    // More than the stock: the saga compensates, and its outcome goes to the notifier.
    const refused = await placeOrder(local, 'iam-warn-3', 1_000);
    expect(refused.done.status).toBe('FAILED');
    const notifier = resource(local, 'function', 'OrderOutcomesFunction');
    const outcomeLog = resource(local, 'function', 'OutcomeLogFunction');
    const notifierWarning = await eventually(
      async () => iamWarnings().find((w) => w.message.includes(`of function ${notifier.name} `)),
      30_000,
      'the notifier warning',
    );
    expect(notifierWarning.message).toContain(
      `of function ${notifier.name} may not perform lambda:InvokeFunction on ${outcomeLog.arn}: no identity-based policy`,
    );
    // One warning per missing grant, however many calls lacked it; nothing else is missing.
    const warnings = iamWarnings().filter(
      (w) => w.message !== relay.message && w.message !== notifierWarning.message,
    );
    expect(warnings).toHaveLength(1);
    const [message] = warnings.map((w) => w.message);
    expect(message).toMatch(/^IAM: role StepsagaExample\/(PlaceOrderRole[A-Z0-9]+) \(\1\) of state machine /);
    // The saga invokes the Payment participant's published version.
    const invoked = `${payment.arn}:1`;
    expect(message).toContain(
      `of state machine ${resource(local, 'stateMachine', 'PlaceOrder').name} may not perform lambda:InvokeFunction ` +
        `on ${invoked}: no identity-based policy of the role allows it: grant lambda:InvokeFunction on ${invoked} ` +
        'to the role; on AWS this call fails with AccessDeniedException (run with --enforce-iam, or iam: "enforce", to fail it locally too)',
    );
  }, 120_000);

  it('under enforcement the charge fails with AccessDeniedException as Lambda.AWSLambdaException, the refund too, and the saga parks', async () => {
    const local = started('enforce');
    const { dynamodb } = engineClients(local);
    const stockBefore = Number(
      (await getItem(dynamodb, table(local, 'Inventory'), 'SKU#WIDGET', 'STOCK'))?.available?.N,
    );
    const balanceBefore = (await getItem(dynamodb, table(local, 'Payment'), 'ACCOUNT#alice', 'BALANCE'))
      ?.balance?.N;
    // The saga invokes the Payment participant's published version.
    const invoked = `${resource(local, 'function', 'PaymentFunction').arn}:1`;
    const { executionArn, done } = await placeOrder(local, 'iam-enforce-1');
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('SagaParked');

    const states = await enteredStates(local, executionArn);
    expect(states.slice(0, 4)).toEqual([
      'ReserveInventory',
      'ChargePayment',
      'Compensate ChargePayment',
      'Park Compensate ChargePayment',
    ]);
    expect(states).not.toContain('ShipOrder');
    const failures = (await historyOf(local, executionArn)).filter((e) => e.type === 'LambdaFunctionFailed');
    // ChargePayment: the attempt and its three retries; the refund: its attempt and six retries.
    expect(failures).toHaveLength(4 + 7);
    const detail = failures[0]?.lambdaFunctionFailedEventDetails as { error: string; cause: string };
    expect(detail.error).toBe('Lambda.AWSLambdaException');
    expect(detail.cause).toMatch(
      new RegExp(
        '^User: arn:aws:sts::000000000000:assumed-role/StepsagaExample-PlaceOrderRole[A-Z0-9]+/[A-Za-z]{32} ' +
          `is not authorized to perform: lambda:InvokeFunction on resource: ${invoked} ` +
          'because no identity-based policy allows the lambda:InvokeFunction action ' +
          '\\(Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: [0-9a-f-]{36}; Proxy: null\\)$',
      ),
    );
    // The Inventory reservation stands (its compensation waits behind the parked refund), and the
    // card was never charged: nothing ran in the Payment function.
    const stock = await getItem(dynamodb, table(local, 'Inventory'), 'SKU#WIDGET', 'STOCK');
    expect(Number(stock?.available?.N)).toBe(stockBefore - 2);
    const balance = await getItem(dynamodb, table(local, 'Payment'), 'ACCOUNT#alice', 'BALANCE');
    expect(balance?.balance?.N).toBe(balanceBefore);
    expect(iamWarnings().map((w) => w.message)).toContainEqual(
      expect.stringContaining(`may not perform lambda:InvokeFunction on ${invoked}`),
    );
    // The relay's SendMessageBatch is refused with SQS's AccessDenied, which it reports per record.
    const relay = await relayWarning(local);
    const refused = await eventually(
      async () =>
        logs.find(
          (l) =>
            l.source === 'lambda' &&
            l.resource === relay.relay.name &&
            l.message.includes(`is not authorized to perform: sqs:SendMessage on resource: ${relay.queue}`),
        ),
      30_000,
      'the relay reporting the denied send',
    );
    expect(refused.message).toContain('AccessDenied');
  }, 120_000);
});
