import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TransactionalMessageEnv as Env } from '../../functions/transactional-message/config.js';
import { IssueInvoiceStack } from '../../workflows/issue-invoice.js';
import { unacknowledgedFindings } from '../support/cdk-nag.js';

const app = new App();
const stack = new IssueInvoiceStack(app, 'StepsagaInvoicing', {
  ledgerUrl: 'https://ledger.example.com/api',
});
const template = Template.fromStack(stack);
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as never);

describe('IssueInvoice example stack', () => {
  it('passes cdk-nag AwsSolutions and Serverless with zero unacknowledged findings', () => {
    expect(unacknowledgedFindings(stack, app)).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('acknowledges findings only on individual resources, each with a reason', () => {
    const acknowledged = stack.node
      .findAll()
      .flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) =>
            Object.entries(m.data as Record<string, string>).map(([rule, reason]) => ({ c, rule, reason })),
          ),
      );
    expect(new Set(acknowledged.map((a) => a.rule.replace(/^Annotation::/, '')))).toEqual(
      new Set([
        // Every stepsaga-built function: the pinned runtime and the X-Ray grant.
        'AwsSolutions-L1',
        'Serverless-LambdaLatestVersion',
        'AwsSolutions-IAM5[Resource::*]',
        // This stack's own.
        'Serverless-LambdaDLQ',
        'Serverless-EventBusDLQ',
        'Serverless-SQSRedrivePolicy',
        'AwsSolutions-SQS3',
        `AwsSolutions-IAM5[Resource::<${id(stack.checkBack)}.Arn>:*]`,
      ]),
    );
    for (const { c, rule, reason } of acknowledged) {
      expect(c, rule).not.toBe(stack);
      expect(c.node.path.split('/').length, `${rule} at ${c.node.path}`).toBeGreaterThan(2);
      expect(reason.length, `${rule} at ${c.node.path}`).toBeGreaterThan(60);
    }
  });

  it('gives the invoicing function the ledger URL, the holding table and only the produce grant', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Posts an invoice to the accounting ledger'),
      Timeout: 15,
      Environment: {
        Variables: Match.objectLike({
          LEDGER_URL: 'https://ledger.example.com/api',
          [Env.tableName]: { Ref: Match.stringLikeRegexp('^InvoiceEventsTable') },
          [Env.firstCheckAfterMs]: '6000',
        }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyName: Match.stringLikeRegexp('^IssueInvoiceRoleDefaultPolicy'),
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^InvoiceEventsTable'), 'Arn'] },
          },
        ]),
      },
    });
  });

  it("makes the ledger check-back the sweeper's check-back, with the invoicing function's timeout", () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Answers whether the invoice'),
      Timeout: 5,
      Environment: {
        Variables: Match.objectLike({
          LEDGER_URL: 'https://ledger.example.com/api',
          ISSUE_INVOICE_TIMEOUT_MS: '15000',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('check-back sweeper'),
      Environment: {
        Variables: Match.objectLike({
          [Env.checkBackFunction]: { 'Fn::GetAtt': [id(stack.checkBack), 'Arn'] },
          [Env.checkIntervalMs]: '60000',
          [Env.maxChecks]: '15',
        }),
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [id(stack.invoiceEvents.sweeper), 'Arn'] } })],
    });
  });
});
