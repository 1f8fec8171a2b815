import { type ConditionBlock, type ConditionContext, conditionsHold } from './conditions.js';
import { arnMatch, wildcardMatch } from './wildcard.js';

/** One statement of an IAM policy document, after intrinsics are resolved. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Principal?: PolicyPrincipal;
  readonly NotPrincipal?: PolicyPrincipal;
  readonly Condition?: ConditionBlock;
}

export type PolicyPrincipal = '*' | Readonly<Record<string, string | readonly string[]>>;

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: PolicyStatement | readonly PolicyStatement[];
}

/** A policy with a name for messages (`StepsagaExample/InventoryRoleDefaultPolicy`, `AWSLambdaBasicExecutionRole`). */
export interface NamedPolicy {
  readonly name: string;
  readonly document: PolicyDocument;
}

/** Who makes the request. */
export type RequestPrincipal =
  | {
      readonly kind: 'role';
      /** `arn:aws:iam::<account>:role/<name>` */
      readonly roleArn: string;
      /** `arn:aws:sts::<account>:assumed-role/<name>/<session>`: what AWS names in its messages. */
      readonly sessionArn: string;
      readonly accountId: string;
    }
  /** An AWS service acting for a resource (`events.amazonaws.com` for a rule, `sns.amazonaws.com`). */
  | { readonly kind: 'service'; readonly service: string };

export interface AuthorizationRequest {
  readonly principal: RequestPrincipal;
  /** `service:Operation`, e.g. `dynamodb:PutItem`. */
  readonly action: string;
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccountId: string;
  readonly context: ConditionContext;
}

export type PolicyType = 'identity-based' | 'resource-based';

export type Decision =
  | { readonly allowed: true; readonly by: PolicyType }
  | {
      readonly allowed: false;
      readonly reason: 'explicit-deny' | 'implicit-deny';
      /** The policy type whose deny decided (explicit), or whose missing allow matters (implicit). */
      readonly policyType: PolicyType;
      /** The denying policy's name and statement id, for an explicit deny. */
      readonly deniedBy?: string;
    };

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** Action names are case-insensitive; `*` and `?` are globs (`dynamodb:*`, `sqs:Get*`). */
function actionMatches(statement: PolicyStatement, action: string): boolean {
  if (statement.Action !== undefined)
    return list(statement.Action).some((p) => wildcardMatch(p, action, true));
  if (statement.NotAction !== undefined)
    return !list(statement.NotAction).some((p) => wildcardMatch(p, action, true));
  return false;
}

function resourceMatches(statement: PolicyStatement, resource: string): boolean {
  if (statement.Resource !== undefined) return list(statement.Resource).some((p) => arnMatch(p, resource));
  if (statement.NotResource !== undefined)
    return !list(statement.NotResource).some((p) => arnMatch(p, resource));
  // A resource-based policy's statement may leave Resource out: it is the resource it is attached to.
  return true;
}

function principalListMatches(value: PolicyPrincipal, principal: RequestPrincipal): boolean {
  if (value === '*') return true;
  for (const [type, raw] of Object.entries(value)) {
    for (const entry of list(raw)) {
      if (type === 'AWS') {
        if (entry === '*') return true;
        if (principal.kind !== 'role') continue;
        // A role ARN names every session of the role; the session ARN names one.
        if (entry === principal.roleArn || entry === principal.sessionArn) return true;
        // An account names every principal of the account (allowing through their own policies).
        if (entry === principal.accountId || entry === `arn:aws:iam::${principal.accountId}:root`)
          return true;
      } else if (type === 'Service') {
        if (principal.kind === 'service' && entry === principal.service) return true;
      }
    }
  }
  return false;
}

/** In an identity-based policy a statement has no Principal: it is the identity's own. */
function principalMatches(statement: PolicyStatement, principal: RequestPrincipal, type: PolicyType) {
  if (type === 'identity-based') return true;
  if (statement.Principal !== undefined) return principalListMatches(statement.Principal, principal);
  if (statement.NotPrincipal !== undefined) return !principalListMatches(statement.NotPrincipal, principal);
  return false;
}

/**
 * An account principal (`arn:aws:iam::123:root`, `123`) in a resource-based policy delegates to the
 * account's identity-based policies instead of allowing by itself.
 */
function grantsToRoleDirectly(statement: PolicyStatement, principal: RequestPrincipal): boolean {
  if (principal.kind !== 'role' || statement.Principal === undefined) return true;
  if (statement.Principal === '*') return true;
  const aws = list((statement.Principal as Record<string, string | readonly string[]>).AWS);
  return aws.some((p) => p === '*' || p === principal.roleArn || p === principal.sessionArn);
}

function statements(policy: NamedPolicy): readonly PolicyStatement[] {
  const s = policy.document.Statement;
  return Array.isArray(s) ? s : [s as PolicyStatement];
}

interface Match {
  readonly policy: NamedPolicy;
  readonly statement: PolicyStatement;
}

function matching(
  policies: readonly NamedPolicy[],
  request: AuthorizationRequest,
  type: PolicyType,
  effect: 'Allow' | 'Deny',
): Match[] {
  const found: Match[] = [];
  for (const policy of policies) {
    for (const statement of statements(policy)) {
      if (statement.Effect !== effect) continue;
      if (!actionMatches(statement, request.action)) continue;
      if (!resourceMatches(statement, request.resource)) continue;
      if (!principalMatches(statement, request.principal, type)) continue;
      let holds: boolean;
      try {
        holds = conditionsHold(statement.Condition, request.context);
      } catch {
        // AWS refuses a policy with an unknown operator at deploy time; locally the statement never applies.
        holds = false;
      }
      if (holds) found.push({ policy, statement });
    }
  }
  return found;
}

const describe = (m: Match) => (m.statement.Sid ? `${m.policy.name} (${m.statement.Sid})` : m.policy.name);

/**
 * AWS's policy evaluation logic for a request within one account, with identity-based and
 * resource-based policies (no SCPs, permissions boundaries or session policies, which a CDK app's
 * roles do not carry): an explicit deny in any policy wins; otherwise an allow in either the
 * principal's identity-based policies or the resource's policy (naming the role or its session)
 * allows; otherwise the request is implicitly denied. A service principal has no identity-based
 * policies, so only the resource's policy can allow it.
 */
export function evaluate(
  request: AuthorizationRequest,
  policies: { readonly identity: readonly NamedPolicy[]; readonly resource: readonly NamedPolicy[] },
): Decision {
  const identity = request.principal.kind === 'role' ? policies.identity : [];
  const identityDeny = matching(identity, request, 'identity-based', 'Deny')[0];
  if (identityDeny)
    return {
      allowed: false,
      reason: 'explicit-deny',
      policyType: 'identity-based',
      deniedBy: describe(identityDeny),
    };
  const resourceDeny = matching(policies.resource, request, 'resource-based', 'Deny')[0];
  if (resourceDeny)
    return {
      allowed: false,
      reason: 'explicit-deny',
      policyType: 'resource-based',
      deniedBy: describe(resourceDeny),
    };
  const resourceAllows = matching(policies.resource, request, 'resource-based', 'Allow').some((m) =>
    grantsToRoleDirectly(m.statement, request.principal),
  );
  if (resourceAllows) return { allowed: true, by: 'resource-based' };
  if (matching(identity, request, 'identity-based', 'Allow').length > 0)
    return { allowed: true, by: 'identity-based' };
  return {
    allowed: false,
    reason: 'implicit-deny',
    policyType: request.principal.kind === 'role' ? 'identity-based' : 'resource-based',
  };
}
