import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BusinessError, ErrorNames } from '../../functions/runtime/errors.js';
import { buildExampleApp } from '../../infra/app.js';
import { unacknowledgedFindings } from '../support/cdk-nag.js';
import type { AslDefinition } from './saga-local-harness.js';
import { definitionFromTemplate, runSaga } from './saga-local-harness.js';

// One app (esbuild bundles the three participants while it is built) for the whole file.
const { app, stack, transferStack } = buildExampleApp(new App());
const order = { orderId: 'o-1', customerId: 'c-1', sku: 'SKU-1', quantity: 2, amount: 4_998 };

function acknowledgments(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('example app (StepsagaExample) under cdk-nag', () => {
  it('passes cdk-nag AwsSolutions and Serverless with zero unacknowledged findings', () => {
    expect(unacknowledgedFindings(stack, app)).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('passes cdk-nag AwsSolutions and Serverless on the Transfer stack with zero unacknowledged findings', () => {
    expect(unacknowledgedFindings(transferStack, app)).toEqual([]);
    expect(Annotations.fromStack(transferStack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(transferStack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges findings only on individual resources, narrowed to one finding where the rule allows, with a reason', () => {
    const acks = acknowledgments(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.path.split('/').length, `${ack.id} at ${ack.path}`).toBeGreaterThan(2);
      expect(ack.reason.length, `${ack.id} at ${ack.path}`).toBeGreaterThan(60);
      // "*" (X-Ray only) or one function's versions and aliases (`<Fn.Arn>:*`, from grantInvoke).
      if (ack.id.includes('IAM5')) expect(ack.id).toMatch(/IAM5\[Resource::(\*|<[A-Za-z0-9]+\.Arn>:\*)\]$/);
    }
    // A saga or TCC state machine may invoke every version of each participant it calls, and only that.
    const versionGrants = acks.filter((a) => a.reason.includes('versions of this participant function'));
    expect(versionGrants.length).toBeGreaterThan(0);
    for (const grant of versionGrants) {
      expect(grant.path).toMatch(/\/Resource\/Role\/DefaultPolicy$/);
      expect(grant.id).toMatch(/^(Annotation::)?AwsSolutions-IAM5\[Resource::<[A-Za-z0-9]+\.Arn>:\*\]$/);
    }
    const others = acks.filter((a) => !versionGrants.includes(a));
    expect(new Set(others.map((a) => a.id.replace(/^Annotation::/i, '')))).toEqual(
      new Set([
        'AwsSolutions-IAM5[Resource::*]',
        'Serverless-LambdaDLQ',
        'AwsSolutions-L1',
        'Serverless-LambdaLatestVersion',
        'AwsSolutions-SQS3',
        'Serverless-SQSRedrivePolicy',
        'Serverless-EventBusDLQ',
        'Serverless-LambdaEventSourceMappingDestination',
        'AwsSolutions-IAM5[Resource::<OutcomeLogFunctionEEE03628.Arn>:*]',
      ]),
    );
  });
});

describe('example app (StepsagaExample)', () => {
  let assembly: CloudAssembly;
  let template: Template;
  let definition: AslDefinition;
  beforeAll(() => {
    // Synthesis runs the cdk-nag plugins the app registers and fails on any finding.
    assembly = app.synth();
    template = Template.fromStack(stack);
    definition = definitionFromTemplate(template);
  });

  it('bundles each participant as minified ESM that imports the runtime-provided AWS SDK, with a require shim and a source map', () => {
    // The saga participants' bundles; relays, consumers, notifiers and other stacks bundle theirs too.
    const participantIds = new Set(
      [stack.inventory, stack.payment, stack.shipping].map((p) =>
        stack.getLogicalId(p.function.node.defaultChild as CfnFunction),
      ),
    );
    const ownAssets = new Set(
      Object.entries(template.findResources('AWS::Lambda::Function'))
        .filter(([logicalId]) => participantIds.has(logicalId))
        .map(([, f]) => f)
        .map(
          (f) =>
            `asset.${String((f['Properties'] as { Code: { S3Key: string } }).Code.S3Key).replace(/\.zip$/, '')}`,
        ),
    );
    const bundles = readdirSync(assembly.directory)
      .filter((name) => ownAssets.has(name))
      .map((name) => path.join(assembly.directory, name))
      .filter((dir) => readdirSync(dir).includes('index.mjs'));
    expect(bundles).toHaveLength(3);
    for (const dir of bundles) {
      expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      expect(code.startsWith('import { createRequire as __stepsagaCreateRequire }')).toBe(true);
      // The Node.js Lambda runtime provides the SDK v3; the bundle imports it rather than carrying it.
      expect(code).toMatch(/from\s*["']@aws-sdk\/client-dynamodb["']/);
      expect(code.length).toBeLessThan(250 * 1024);
    }
  });

  it('declares the PlaceOrder saga: ReserveInventory -> ChargePayment -> ShipOrder (pivot)', () => {
    expect(definition.StartAt).toBe('ReserveInventory');
    expect(Object.keys(definition.States).filter((n) => n.startsWith('Compensate '))).toEqual([
      'Compensate ReserveInventory',
      'Compensate ChargePayment',
    ]);
    // Shipping cannot be undone: only a refusal that proves nothing shipped refunds and releases;
    // a crash, a timeout or an exhausted transient error may follow an attempt that shipped, so it parks.
    expect(definition.States['ShipOrder']!['Catch']).toEqual([
      {
        ErrorEquals: [
          'SagaBusinessError',
          'SagaActionRefused',
          'SagaTransactionLimitExceeded',
          'SagaInvalidRequest',
          'SagaInputInvalid',
          'SagaResultTooLarge',
        ],
        ResultPath: '$.errors.ShipOrder',
        Next: 'Compensate ChargePayment',
      },
      { ErrorEquals: ['States.ALL'], ResultPath: '$.errors.ShipOrder', Next: 'Park ShipOrder' },
    ]);
    // 3 participants, 3 outbox relays, the order-history consumer, the outcome target and its notifier.
    template.resourceCountIs('AWS::Lambda::Function', 9);
    // 3 participant tables, the order-history and outcome-log tables, the outcome channel's status table.
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 6);
  });

  it('runs the PlaceOrder happy path in N + 1 = 4 state transitions (only failures are published)', async () => {
    const run = await runSaga(definition, order);
    expect(run.status).toBe('SUCCEEDED');
    expect(run.statesEntered).toEqual(['ReserveInventory', 'ChargePayment', 'ShipOrder', 'SagaSucceeded']);
    expect(definition.States['Publish SagaSucceeded']).toBeUndefined();
    expect(definition.States['Publish SagaCompensated']).toBeDefined();
    expect(definition.States['Publish SagaParked']).toBeDefined();
    expect(run.invocations.map((i) => `${i.request.step}:${i.request.action}`)).toEqual([
      'ReserveInventory:reserve',
      'ChargePayment:charge',
      'ShipOrder:ship',
    ]);
  });

  it('refunds and releases, in that order, when shipping fails', async () => {
    const run = await runSaga(definition, order, {
      behaviours: {
        ShipOrder: () => {
          throw new BusinessError('Address undeliverable', 'UNDELIVERABLE');
        },
      },
    });
    expect(run.error).toBe(ErrorNames.compensated);
    expect(run.invocations.map((i) => `${i.request.step}:${i.request.action}`)).toEqual([
      'ReserveInventory:reserve',
      'ChargePayment:charge',
      'ShipOrder:ship',
      'ChargePayment:refund',
      'ReserveInventory:release',
    ]);
  });
});
