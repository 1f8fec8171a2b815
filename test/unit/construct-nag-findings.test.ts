import * as path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import {
  NotificationChannel,
  NotificationTarget,
} from '../../infra/constructs/notification-channel/index.js';
import { OutboxRelay } from '../../infra/constructs/outbox-relay/index.js';
import { Participant } from '../../infra/constructs/participant/index.js';
import { Saga } from '../../infra/constructs/saga/index.js';
import { CheckBack, TransactionalMessage } from '../../infra/constructs/transactional-message/index.js';
import { unacknowledgedFindings } from '../support/cdk-nag.js';

const examples = path.resolve('functions/examples');

/**
 * A user's stack built only from stepsaga constructs with their defaults, and no acknowledgement
 * of its own: whatever cdk-nag finds here, every user would have to answer again.
 */
function plainUserStack(): Stack {
  // Findings do not depend on the bundle; skipping esbuild keeps this synth fast.
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'PlainUser');
  const inventory = new Participant(stack, 'Inventory', {
    entry: path.join(examples, 'inventory', 'handler.ts'),
  });
  const shipping = new Participant(stack, 'Shipping', {
    entry: path.join(examples, 'shipping', 'handler.ts'),
  });
  const log = new Participant(stack, 'OutcomeLog', {
    entry: path.join(examples, 'notifications', 'handler.ts'),
  });
  new OutboxRelay(stack, 'InventoryEvents', { table: inventory.table });
  const toLambda = new NotificationChannel(stack, 'ToLambda', {
    target: NotificationTarget.lambda(log.function),
  });
  new NotificationChannel(stack, 'ToWebhook', {
    target: NotificationTarget.webhook('https://hooks.example.com/orders'),
  });
  new TransactionalMessage(stack, 'AskedByWebhook', {
    checkBack: CheckBack.webhook('https://producer.example.com/check'),
  });
  new TransactionalMessage(stack, 'AskedByLambda', { checkBack: CheckBack.lambda(log.function) });
  new Saga(stack, 'PlaceOrder', {
    steps: [
      { name: 'Reserve', participant: inventory, action: 'reserve', compensation: 'release' },
      { name: 'Ship', participant: shipping, action: 'ship' },
    ],
    outcomes: { channel: toLambda },
  });
  return stack;
}

describe('stepsaga constructs under cdk-nag', () => {
  const stack = plainUserStack();

  it('answer their own inherent findings: a stack of them with defaults passes AwsSolutions and Serverless as is', () => {
    expect(unacknowledgedFindings(stack)).toEqual([]);
  });

  it('acknowledge on the resource each finding concerns, never on the stack or a whole construct', () => {
    const acknowledged = stack.node
      .findAll()
      .filter((c) => c.node.metadata.some((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const c of acknowledged) {
      expect(c).not.toBe(stack);
      expect(
        c.node.defaultChild === undefined || c.node.children.length <= 3,
        `${c.node.path} is a resource or its L2 wrapper`,
      ).toBe(true);
    }
  });
});
