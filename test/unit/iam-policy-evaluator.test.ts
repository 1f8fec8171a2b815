import { describe, expect, it } from 'vitest';
import { conditionsHold } from '../../infra/local/iam/conditions.js';
import { accessDeniedMessage } from '../../infra/local/iam/iam-authorizer.js';
import {
  type AuthorizationRequest,
  evaluate,
  type NamedPolicy,
  type PolicyStatement,
} from '../../infra/local/iam/policy-evaluator.js';
import { dynamoDbCalls, functionArn } from '../../infra/local/iam/request-actions.js';
import { arnMatch, wildcardMatch } from '../../infra/local/iam/wildcard.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/OrdersRole`;
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/OrdersRole/orders-fn`;
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Orders`;
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:orders`;
const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:reserve`;

const policy = (...Statement: PolicyStatement[]): NamedPolicy => ({ name: 'p', document: { Statement } });
const request = (action: string, resource: string, context = {}): AuthorizationRequest => ({
  principal: { kind: 'role', roleArn: ROLE, sessionArn: SESSION, accountId: ACCOUNT },
  action,
  resource,
  resourceAccountId: ACCOUNT,
  context: { 'aws:SecureTransport': true, ...context },
});
const allowed = (req: AuthorizationRequest, identity: NamedPolicy[], resource: NamedPolicy[] = []) =>
  evaluate(req, { identity, resource }).allowed;

describe('IAM policy evaluation', () => {
  it('allows an action the identity policy lists on the exact resource, and nothing else', () => {
    const identity = [
      policy({ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem'], Resource: TABLE }),
    ];
    expect(allowed(request('dynamodb:PutItem', TABLE), identity)).toBe(true);
    expect(allowed(request('dynamodb:DeleteItem', TABLE), identity)).toBe(false);
    expect(allowed(request('dynamodb:PutItem', `${TABLE}2`), identity)).toBe(false);
    expect(evaluate(request('dynamodb:DeleteItem', TABLE), { identity, resource: [] })).toEqual({
      allowed: false,
      reason: 'implicit-deny',
      policyType: 'identity-based',
    });
  });

  it('matches actions case-insensitively with wildcards, and NotAction/NotResource as complements', () => {
    expect(
      allowed(request('sqs:SendMessage', QUEUE), [
        policy({ Effect: 'Allow', Action: 'SQS:send*', Resource: QUEUE }),
      ]),
    ).toBe(true);
    const notAction = [policy({ Effect: 'Allow', NotAction: 'sqs:Delete*', Resource: '*' })];
    expect(allowed(request('sqs:SendMessage', QUEUE), notAction)).toBe(true);
    expect(allowed(request('sqs:DeleteMessage', QUEUE), notAction)).toBe(false);
    const notResource = [policy({ Effect: 'Allow', Action: 'sqs:*', NotResource: QUEUE })];
    expect(allowed(request('sqs:SendMessage', QUEUE), notResource)).toBe(false);
    expect(allowed(request('sqs:SendMessage', `${QUEUE}-dlq`), notResource)).toBe(true);
  });

  it('an explicit deny wins over any allow, in either policy type, and is named in the message', () => {
    const identity = [policy({ Effect: 'Allow', Action: 'sqs:*', Resource: '*' })];
    const queuePolicy = [
      policy({
        Sid: 'NoPurge',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:PurgeQueue',
        Resource: QUEUE,
      }),
    ];
    const decision = evaluate(request('sqs:PurgeQueue', QUEUE), { identity, resource: queuePolicy });
    expect(decision).toEqual({
      allowed: false,
      reason: 'explicit-deny',
      policyType: 'resource-based',
      deniedBy: 'p (NoPurge)',
    });
    expect(accessDeniedMessage(SESSION, { action: 'sqs:PurgeQueue', resource: QUEUE }, decision)).toBe(
      `User: ${SESSION} is not authorized to perform: sqs:PurgeQueue on resource: ${QUEUE} with an explicit deny in a resource-based policy`,
    );
  });

  it("TLS-only deny statements (CDK's enforceSSL) do not fire: the app's clients use TLS on AWS", () => {
    const identity = [policy({ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE })];
    const enforceSsl = [
      policy({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'sqs:*',
        Resource: QUEUE,
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    ];
    expect(allowed(request('sqs:SendMessage', QUEUE), identity, enforceSsl)).toBe(true);
    expect(
      allowed(request('sqs:SendMessage', QUEUE, { 'aws:SecureTransport': false }), identity, enforceSsl),
    ).toBe(false);
  });

  it('a resource policy naming the role allows without an identity grant; one naming the account does not', () => {
    const toRole = [
      policy({ Effect: 'Allow', Principal: { AWS: ROLE }, Action: 'sqs:SendMessage', Resource: QUEUE }),
    ];
    expect(allowed(request('sqs:SendMessage', QUEUE), [], toRole)).toBe(true);
    const toAccount = [
      policy({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'sqs:SendMessage',
        Resource: QUEUE,
      }),
    ];
    expect(allowed(request('sqs:SendMessage', QUEUE), [], toAccount)).toBe(false);
  });

  it('a service principal is allowed only by a resource policy, with its source ARN condition', () => {
    const permission = [
      policy({
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: FN,
        Condition: { ArnLike: { 'AWS:SourceArn': `arn:aws:events:us-east-1:${ACCOUNT}:rule/sweep` } },
      }),
    ];
    const fromRule = (rule: string): AuthorizationRequest => ({
      principal: { kind: 'service', service: 'events.amazonaws.com' },
      action: 'lambda:InvokeFunction',
      resource: FN,
      resourceAccountId: ACCOUNT,
      context: { 'aws:SourceArn': `arn:aws:events:us-east-1:${ACCOUNT}:rule/${rule}` },
    });
    expect(evaluate(fromRule('sweep'), { identity: [], resource: permission }).allowed).toBe(true);
    expect(evaluate(fromRule('other'), { identity: [], resource: permission })).toEqual({
      allowed: false,
      reason: 'implicit-deny',
      policyType: 'resource-based',
    });
  });

  it('a grant on a function does not cover its versions or aliases; CDK grants both arn and arn:*', () => {
    expect(
      functionArn({ region: 'us-east-1', accountId: ACCOUNT, queueArn: () => undefined }, 'reserve:3'),
    ).toBe(`${FN}:3`);
    expect(
      functionArn({ region: 'us-east-1', accountId: ACCOUNT, queueArn: () => undefined }, FN, 'live'),
    ).toBe(`${FN}:live`);
    const plain = [policy({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: FN })];
    expect(allowed(request('lambda:InvokeFunction', FN), plain)).toBe(true);
    expect(allowed(request('lambda:InvokeFunction', `${FN}:3`), plain)).toBe(false);
    expect(allowed(request('lambda:InvokeFunction', `${FN}:live`), plain)).toBe(false);
    const cdk = [policy({ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [FN, `${FN}:*`] })];
    expect(allowed(request('lambda:InvokeFunction', `${FN}:3`), cdk)).toBe(true);
    expect(allowed(request('lambda:InvokeFunction', `${FN}:live`), cdk)).toBe(true);
    expect(allowed(request('lambda:InvokeFunction', `${FN}2`), cdk)).toBe(false);
  });

  it('TransactWriteItems is authorized item by item, as ConditionCheckItem/PutItem/UpdateItem/DeleteItem', () => {
    const calls = dynamoDbCalls(
      { region: 'us-east-1', accountId: ACCOUNT, queueArn: () => undefined },
      'TransactWriteItems',
      {
        TransactItems: [
          { ConditionCheck: { TableName: 'Orders' } },
          { Put: { TableName: 'Orders' } },
          { Update: { TableName: 'Ledger' } },
          { Delete: { TableName: 'Orders' } },
        ],
      },
    );
    expect(calls).toEqual([
      { action: 'dynamodb:ConditionCheckItem', resource: TABLE },
      { action: 'dynamodb:PutItem', resource: TABLE },
      { action: 'dynamodb:UpdateItem', resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/Ledger` },
      { action: 'dynamodb:DeleteItem', resource: TABLE },
    ]);
  });
});

describe('IAM condition operators', () => {
  const ctx = {
    'aws:SourceArn': 'arn:aws:states:us-east-1:1:stateMachine:Orders',
    'aws:SourceAccount': '1',
    'aws:SecureTransport': true,
  };

  it('StringEquals, StringLike, ArnLike, ArnEquals, Bool: values OR, keys AND, operators AND', () => {
    expect(conditionsHold({ StringEquals: { 'aws:SourceAccount': ['2', '1'] } }, ctx)).toBe(true);
    expect(conditionsHold({ StringEquals: { 'aws:sourceaccount': '1' } }, ctx)).toBe(true);
    expect(conditionsHold({ StringLike: { 'aws:SourceArn': '*:stateMachine:Ord?rs' } }, ctx)).toBe(true);
    expect(conditionsHold({ ArnLike: { 'aws:SourceArn': 'arn:aws:states:*:1:stateMachine:*' } }, ctx)).toBe(
      true,
    );
    expect(
      conditionsHold(
        { ArnEquals: { 'aws:SourceArn': 'arn:aws:states:us-east-1:1:stateMachine:Other' } },
        ctx,
      ),
    ).toBe(false);
    expect(
      conditionsHold(
        { Bool: { 'aws:SecureTransport': 'true' }, StringEquals: { 'aws:SourceAccount': '2' } },
        ctx,
      ),
    ).toBe(false);
  });

  it('a missing key fails a positive operator, passes a negated one and any ...IfExists; Null tests presence', () => {
    expect(conditionsHold({ StringEquals: { 'aws:PrincipalTag/team': 'a' } }, ctx)).toBe(false);
    expect(conditionsHold({ StringNotEquals: { 'aws:PrincipalTag/team': 'a' } }, ctx)).toBe(true);
    expect(conditionsHold({ StringEqualsIfExists: { 'aws:PrincipalTag/team': 'a' } }, ctx)).toBe(true);
    expect(conditionsHold({ StringEqualsIfExists: { 'aws:SourceAccount': '2' } }, ctx)).toBe(false);
    expect(conditionsHold({ Null: { 'aws:PrincipalTag/team': 'true' } }, ctx)).toBe(true);
    expect(conditionsHold({ Null: { 'aws:SourceArn': 'true' } }, ctx)).toBe(false);
  });

  it('negated operators with several values are a NOR', () => {
    expect(conditionsHold({ StringNotEquals: { 'aws:SourceAccount': ['2', '3'] } }, ctx)).toBe(true);
    expect(conditionsHold({ StringNotEquals: { 'aws:SourceAccount': ['2', '1'] } }, ctx)).toBe(false);
    expect(
      conditionsHold({ ArnNotLike: { 'aws:SourceArn': 'arn:aws:states:*:*:stateMachine:Ord*' } }, ctx),
    ).toBe(false);
  });
});

describe('IAM wildcards', () => {
  it('* spans anything, ? one character; ARN parts do not borrow from one another', () => {
    expect(wildcardMatch('a*c', 'abbbc')).toBe(true);
    expect(wildcardMatch('a?c', 'abbc')).toBe(false);
    expect(arnMatch('arn:aws:sqs:*:*:orders', QUEUE)).toBe(true);
    expect(arnMatch('arn:aws:sqs:*:orders', QUEUE)).toBe(false);
    expect(arnMatch(`${TABLE}/index/*`, `${TABLE}/index/byCustomer`)).toBe(true);
    expect(arnMatch(TABLE, `${TABLE}/index/byCustomer`)).toBe(false);
  });
});
