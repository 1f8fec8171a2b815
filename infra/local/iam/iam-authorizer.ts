import { createHash } from 'node:crypto';
import { LocalServiceError } from '../errors.js';
import type { LocalLogLine } from '../types.js';
import type { ConditionContext } from './conditions.js';
import type { IamModel, IamRole } from './iam-model.js';
import { type Decision, evaluate, type NamedPolicy, type RequestPrincipal } from './policy-evaluator.js';
import type { IamCall } from './request-actions.js';

/**
 * How the local cloud treats the app's IAM policies: `warn` evaluates every call and warns once per
 * missing grant, `enforce` also fails the call as AWS would, `off` evaluates nothing.
 */
export type IamMode = 'enforce' | 'warn' | 'off';

/** Who makes a call: a role session (a function or an execution) or a service acting for a resource. */
export interface Caller {
  readonly principal: RequestPrincipal;
  /** The role, when the principal is one of the app's roles. */
  readonly role?: IamRole;
  /** What the caller is, for warnings: `function StepsagaExample-Inventory`, `state machine PlaceOrder`. */
  readonly label: string;
  readonly context: ConditionContext;
}

/** AWS's `AccessDeniedException`, with the principal, action and resource it names. */
export class AccessDeniedError extends LocalServiceError {
  constructor(
    readonly call: IamCall,
    readonly principalArn: string,
    readonly decision: Decision,
    statusCode = 400,
  ) {
    super('AccessDeniedException', accessDeniedMessage(principalArn, call, decision), statusCode);
  }
}

/** AWS's wording for a denied request, implicit or explicit. */
export function accessDeniedMessage(principalArn: string, call: IamCall, decision: Decision): string {
  const head = `User: ${principalArn} is not authorized to perform: ${call.action} on resource: ${call.resource}`;
  if (decision.allowed) return head;
  if (decision.reason === 'explicit-deny')
    return `${head} with an explicit deny in a ${decision.policyType} policy`;
  return `${head} because no ${decision.policyType} policy allows the ${call.action} action`;
}

/**
 * The access key id a function's SDK clients sign with: one per function, so that the endpoint
 * knows which role a request comes from.
 */
export function accessKeyFor(functionArn: string): string {
  return `ASIA${createHash('sha256').update(functionArn).digest('hex').slice(0, 16).toUpperCase()}`;
}

/** Step Functions names a role session with 32 letters; derived from the execution so logs stay stable. */
function sessionNameOf(executionArn: string): string {
  const digest = createHash('sha256').update(executionArn).digest();
  let name = '';
  for (let i = 0; i < 32; i++) {
    const byte = digest[i % digest.length] as number;
    name += String.fromCharCode((byte % 26) + (i % 2 === 0 ? 65 : 97));
  }
  return name;
}

export interface IamAuthorizerOptions {
  readonly mode: IamMode;
  readonly region: string;
  readonly accountId: string;
  readonly onLog: (line: LocalLogLine) => void;
}

/**
 * Evaluates the calls of the app's functions, state machines and services against the synthesized
 * policies. Each distinct (role, action, resource) that lacks a grant is warned about once; under
 * `enforce` the call fails with AWS's `AccessDeniedException`.
 */
export class IamAuthorizer {
  private readonly warned = new Set<string>();
  private readonly functionsByKey = new Map<string, string>();
  private currentMode: IamMode;

  constructor(
    private readonly model: IamModel,
    private readonly options: IamAuthorizerOptions,
  ) {
    this.currentMode = options.mode;
    for (const arn of model.executionRoles.keys()) {
      if (arn.includes(':function:')) this.functionsByKey.set(accessKeyFor(arn), arn);
    }
  }

  get mode(): IamMode {
    return this.currentMode;
  }

  /** Switches between `warn` and `enforce`; every missing grant is warned about anew. */
  set mode(mode: IamMode) {
    this.currentMode = mode;
    this.warned.clear();
  }

  /** The function that signs with this access key id, if it is one of the app's. */
  callerOfAccessKey(accessKeyId: string | undefined): Caller | undefined {
    const fn = accessKeyId ? this.functionsByKey.get(accessKeyId) : undefined;
    return fn ? this.functionCaller(fn) : undefined;
  }

  functionCaller(functionArn: string): Caller | undefined {
    const name = functionArn.split(':')[6] ?? functionArn;
    return this.roleCaller(functionArn, name, `function ${name}`);
  }

  stateMachineCaller(machineArn: string, executionArn: string): Caller | undefined {
    const name = machineArn.split(':')[6] ?? machineArn;
    return this.roleCaller(machineArn, sessionNameOf(executionArn), `state machine ${name}`);
  }

  /** A service (EventBridge, SNS) delivering for one of the app's resources. */
  serviceCaller(service: string, sourceArn: string, label: string): Caller {
    return {
      principal: { kind: 'service', service },
      label,
      context: {
        'aws:SecureTransport': true,
        'aws:SourceArn': sourceArn,
        'aws:SourceAccount': this.options.accountId,
        'aws:PrincipalServiceName': service,
      },
    };
  }

  private roleCaller(resourceArn: string, session: string, label: string): Caller | undefined {
    const roleArn = this.model.executionRoles.get(resourceArn);
    const role = roleArn ? this.model.roles.get(roleArn) : undefined;
    if (!role) return undefined;
    const sessionArn = `arn:aws:sts::${this.options.accountId}:assumed-role/${role.name}/${session}`;
    return {
      principal: { kind: 'role', roleArn: role.arn, sessionArn, accountId: this.options.accountId },
      role,
      label,
      context: {
        // Clients reach AWS over TLS, so TLS-only deny statements never fire for the app's own calls.
        'aws:SecureTransport': true,
        'aws:PrincipalArn': role.arn,
        'aws:PrincipalAccount': this.options.accountId,
        'aws:PrincipalType': 'AssumedRole',
        'aws:userid': `AROA:${session}`,
        'aws:RequestedRegion': this.options.region,
        'aws:CurrentTime': new Date().toISOString(),
        'aws:EpochTime': String(Math.floor(Date.now() / 1000)),
      },
    };
  }

  private resourcePolicies(resource: string): readonly NamedPolicy[] {
    const exact = this.model.resourcePolicies.get(resource);
    if (exact) return exact;
    // A table's index or stream is governed by the table's resource policy (none locally), a
    // qualified function ARN by the permissions on that version or alias only.
    return [];
  }

  /**
   * Evaluates each call; returns the first denial (after warning about every one) when the mode is
   * `enforce`, undefined otherwise. Unknown callers (a role from outside the app) are not evaluated.
   */
  authorize(
    caller: Caller | undefined,
    calls: readonly IamCall[] | undefined,
  ): AccessDeniedError | undefined {
    if (this.currentMode === 'off' || !caller || !calls) return undefined;
    let denied: AccessDeniedError | undefined;
    for (const call of calls) {
      const decision = evaluate(
        {
          principal: caller.principal,
          action: call.action,
          resource: call.resource,
          resourceAccountId: this.options.accountId,
          context: caller.context,
        },
        { identity: caller.role?.policies ?? [], resource: this.resourcePolicies(call.resource) },
      );
      if (decision.allowed) continue;
      this.warn(caller, call, decision);
      if (this.currentMode === 'enforce' && !denied) {
        const principalArn =
          caller.principal.kind === 'role' ? caller.principal.sessionArn : caller.principal.service;
        denied = new AccessDeniedError(call, principalArn, decision);
      }
    }
    return denied;
  }

  private warn(caller: Caller, call: IamCall, decision: Decision): void {
    if (decision.allowed) return;
    const who =
      caller.principal.kind === 'role'
        ? (caller.role?.arn ?? caller.principal.roleArn)
        : caller.principal.service;
    const key = `${who} ${call.action} ${call.resource}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.options.onLog({
      timestamp: Date.now(),
      source: 'cloud',
      level: 'warn',
      message: missingGrantMessage(caller, call, decision, this.currentMode),
    });
  }
}

/** The warning for one missing grant: who, what, on which resource, and what would fix it. */
export function missingGrantMessage(
  caller: Caller,
  call: IamCall,
  decision: Decision,
  mode: IamMode,
): string {
  if (decision.allowed) return '';
  const consequence =
    mode === 'enforce'
      ? 'the call fails with AccessDeniedException, as on AWS'
      : 'on AWS this call fails with AccessDeniedException (run with --enforce-iam, or iam: "enforce", to fail it locally too)';
  if (caller.principal.kind === 'service') {
    return (
      `IAM: ${caller.label} (${caller.principal.service}) may not perform ${call.action} on ${call.resource}: ` +
      (decision.reason === 'explicit-deny'
        ? `explicitly denied by ${decision.deniedBy}`
        : `no resource-based policy of ${call.resource} allows ${caller.principal.service}; add one (e.g. a Lambda permission or a queue policy statement)`) +
      `; ${mode === 'enforce' ? 'the delivery is dropped, as on AWS' : 'on AWS the delivery fails'}`
    );
  }
  const role = caller.role;
  const roleName = role
    ? `${role.path ?? `${role.stack}/${role.logicalId}`} (${role.logicalId})`
    : caller.principal.roleArn;
  const reason =
    decision.reason === 'explicit-deny'
      ? `explicitly denied by ${decision.deniedBy} (${decision.policyType} policy)`
      : `no identity-based policy of the role allows it: grant ${call.action} on ${call.resource} to the role`;
  return `IAM: role ${roleName} of ${caller.label} may not perform ${call.action} on ${call.resource}: ${reason}; ${consequence}`;
}
