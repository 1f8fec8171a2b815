import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { describe, expect, it } from 'vitest';
import { Participant } from '../../infra/constructs/participant/index.js';
import { Saga } from '../../infra/constructs/saga/index.js';
import { TccTransaction } from '../../infra/constructs/tcc/index.js';

const entry = path.join(import.meta.dirname, 'fixtures', 'echo-participant.ts');

/** Bundling is skipped: the template is what matters. */
function build() {
  const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Versions');
  const inventory = new Participant(stack, 'Inventory', { entry });
  const ledger = new Participant(stack, 'Ledger', { entry });
  const bare = new lambda.Function(stack, 'Bare', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  new Saga(stack, 'Order', {
    steps: [
      { name: 'Reserve', participant: inventory, action: 'reserve', compensation: 'release' },
      { name: 'Notify', participant: bare, action: 'notify' },
    ],
  });
  new TccTransaction(stack, 'Transfer', {
    participants: [
      { name: 'Debit', participant: ledger },
      { name: 'Credit', participant: inventory },
    ],
  });
  return { stack, inventory, ledger, bare, template: Template.fromStack(stack) };
}

const { stack, inventory, ledger, bare, template } = build();
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as never);
/** The version's logical id, as synthesis settles it (a hash of the function's code and configuration). */
const versionId = (p: Participant): string => {
  const [found] = Object.entries(template.findResources('AWS::Lambda::Version')).filter(
    ([, r]) => r.Properties.FunctionName.Ref === id(p.function),
  );
  if (!found) throw new Error(`no version of ${p.node.path}`);
  return found[0];
};

type Statement = { Action: string | string[]; Resource: unknown };
const invokeResources = (machine: string): unknown[] => {
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(`${machine}Role`),
  );
  return policies.flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'))
      .flatMap((s) => [s.Resource].flat()),
  );
};
const taskResources = (machine: string): string[] => {
  const [props] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine'))
    .filter(([logicalId]) => logicalId.startsWith(machine))
    .map(([, r]) => r.Properties);
  return [
    ...JSON.stringify(props.DefinitionString).matchAll(/"Ref\\":\\"([A-Za-z0-9]+)\\"|Ref":"([A-Za-z0-9]+)"/g),
  ].map((m) => m[1] ?? m[2] ?? '');
};

describe('Participant versions for safe deploys', () => {
  it('publishes a version that the next deploy retains, and an alias live pointing at it', () => {
    for (const p of [inventory, ledger]) {
      expect(template.toJSON().Resources[versionId(p)]).toMatchObject({
        Type: 'AWS::Lambda::Version',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { FunctionName: { Ref: id(p.function) } },
      });
      template.hasResourceProperties('AWS::Lambda::Alias', {
        Name: 'live',
        FunctionName: { Ref: id(p.function) },
        FunctionVersion: { 'Fn::GetAtt': [versionId(p), 'Version'] },
      });
    }
  });

  it("has sagas and TCC transactions invoke the participant's version ARN, and a bare function as given", () => {
    const order = taskResources('Order');
    expect(order).toContain(versionId(inventory));
    expect(JSON.stringify(template.toJSON().Resources)).toContain(`{"Fn::GetAtt":["${id(bare)}","Arn"]}`);
    const transfer = taskResources('Transfer');
    expect(transfer).toEqual(expect.arrayContaining([versionId(ledger), versionId(inventory)]));
    // Neither definition names a participant's unqualified function.
    const definitions = JSON.stringify(template.findResources('AWS::StepFunctions::StateMachine'));
    for (const p of [inventory, ledger]) expect(definitions).not.toContain(`"${id(p.function)}","Arn"`);
  });

  it("lets each state machine's role invoke every version of its participants' functions, never the unqualified function", () => {
    const versions = (p: Participant) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [id(p.function), 'Arn'] }, ':*']],
    });
    expect(invokeResources('Order')).toEqual(
      expect.arrayContaining([versions(inventory), { 'Fn::GetAtt': [id(bare), 'Arn'] }]),
    );
    expect(invokeResources('Order')).toHaveLength(2);
    expect(invokeResources('Transfer')).toEqual(
      expect.arrayContaining([versions(ledger), versions(inventory)]),
    );
    expect(invokeResources('Transfer')).toHaveLength(2);
    for (const machine of ['Order', 'Transfer'])
      for (const p of [inventory, ledger])
        expect(invokeResources(machine)).not.toContainEqual({ 'Fn::GetAtt': [id(p.function), 'Arn'] });
  });
});
