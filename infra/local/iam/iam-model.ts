import type { StackTemplate } from '../cloud-assembly.js';
import type { ResolvedResource } from '../intrinsics.js';
import { physicalName } from '../naming.js';
import type { LocalResource } from '../types.js';
import { AWS_MANAGED_POLICIES, awsManagedPolicyName } from './managed-policies.js';
import type { NamedPolicy, PolicyDocument, PolicyStatement } from './policy-evaluator.js';

/** An `AWS::IAM::Role` of the app with every policy attached to it. */
export interface IamRole {
  readonly stack: string;
  readonly logicalId: string;
  readonly path?: string;
  readonly name: string;
  readonly arn: string;
  readonly policies: NamedPolicy[];
}

/** Resolves one stack's template values; throws when a value refers to something not emulated. */
export interface ValueResolver {
  resolve(value: unknown, where: string): unknown;
}

export interface IamModelInput {
  readonly accountId: string;
  readonly stacks: readonly StackTemplate[];
  readonly resolver: (stack: StackTemplate) => ValueResolver;
  readonly constructPath: (stack: string, logicalId: string) => string | undefined;
  /** The app's resources as the local cloud runs them (queue URLs → ARNs, function names → ARNs). */
  readonly resources: readonly LocalResource[];
  readonly log: (level: 'debug' | 'warn', message: string) => void;
}

/** The IAM side of an app: roles with their policies, who runs as which role, resource policies. */
export interface IamModel {
  readonly roles: ReadonlyMap<string, IamRole>;
  /** Function or state machine ARN → the role ARN it runs as. */
  readonly executionRoles: ReadonlyMap<string, string>;
  /** Resource ARN → its resource-based policies. */
  readonly resourcePolicies: ReadonlyMap<string, readonly NamedPolicy[]>;
}

/** What a role resolves to: Ref is its name, Fn::GetAtt Arn its ARN, as CloudFormation answers. */
export function roleResolution(
  stack: string,
  logicalId: string,
  properties: Record<string, unknown>,
  accountId: string,
): ResolvedResource {
  const name =
    typeof properties.RoleName === 'string' ? properties.RoleName : physicalName(stack, logicalId, 64);
  const path = typeof properties.Path === 'string' ? properties.Path : '/';
  const arn = `arn:aws:iam::${accountId}:role${path}${name}`;
  return { ref: name, attributes: { Arn: arn, RoleId: `AROA${logicalId.toUpperCase().slice(0, 17)}` } };
}

/** What a customer managed policy resolves to: Ref is its ARN, as CloudFormation answers. */
export function managedPolicyResolution(
  stack: string,
  logicalId: string,
  properties: Record<string, unknown>,
  accountId: string,
): ResolvedResource {
  const name =
    typeof properties.ManagedPolicyName === 'string'
      ? properties.ManagedPolicyName
      : physicalName(stack, logicalId, 128);
  const path = typeof properties.Path === 'string' ? properties.Path : '/';
  const arn = `arn:aws:iam::${accountId}:policy${path}${name}`;
  return { ref: arn, attributes: { PolicyArn: arn } };
}

const asList = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Resolves a policy document statement by statement; a Resource entry that refers to something the
 * local cloud does not emulate is dropped (no local call can reach it), and so is a statement with
 * an unresolvable condition (it could never be evaluated as AWS would).
 */
function resolveDocument(raw: unknown, resolver: ValueResolver, where: string, log: IamModelInput['log']) {
  const document = (raw ?? {}) as { Version?: string; Statement?: unknown };
  const statements: PolicyStatement[] = [];
  asList(document.Statement).forEach((statement, i) => {
    const at = `${where}.Statement[${i}]`;
    try {
      statements.push(resolver.resolve(statement, at) as PolicyStatement);
      return;
    } catch {
      // Fall through: resolve field by field.
    }
    const s = statement as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(s)) {
      if (key === 'Resource' || key === 'NotResource') {
        out[key] = asList(value).flatMap((item, j) => {
          try {
            return [resolver.resolve(item, `${at}.${key}[${j}]`)];
          } catch (error) {
            log('debug', `IAM: ${(error as Error).message}; that resource is left out of ${at}`);
            return [];
          }
        });
      } else {
        try {
          out[key] = resolver.resolve(value, `${at}.${key}`);
        } catch (error) {
          log('debug', `IAM: ${(error as Error).message}; statement ${at} is left out`);
          return;
        }
      }
    }
    statements.push(out as unknown as PolicyStatement);
  });
  return { Version: document.Version ?? '2012-10-17', Statement: statements } satisfies PolicyDocument;
}

/**
 * Reads the IAM resources of a synthesized app: roles (inline policies, managed policy ARNs),
 * `AWS::IAM::Policy` and `AWS::IAM::ManagedPolicy` attached to roles, which role each function and
 * state machine runs as, and the resource policies of queues, topics, functions and event buses.
 */
export function buildIamModel(input: IamModelInput): IamModel {
  const roles = new Map<string, IamRole>();
  const roleByName = new Map<string, IamRole>();
  const executionRoles = new Map<string, string>();
  const resourcePolicies = new Map<string, NamedPolicy[]>();
  const customerManaged = new Map<string, NamedPolicy>();
  const warnedManaged = new Set<string>();
  const addResourcePolicy = (arn: string, policy: NamedPolicy) =>
    resourcePolicies.set(arn, [...(resourcePolicies.get(arn) ?? []), policy]);
  const queueArn = (url: string) =>
    input.resources.find((r) => r.kind === 'queue' && (r.url === url || r.arn === url))?.arn;
  const functionArn = (ref: string) =>
    input.resources.find((r) => r.kind === 'function' && (r.arn === ref || r.name === ref))?.arn ?? ref;
  const busArn = (ref: string) =>
    input.resources.find((r) => r.kind === 'eventBus' && (r.arn === ref || r.name === ref))?.arn ??
    (ref === 'default' || ref === ''
      ? input.resources.find((r) => r.kind === 'eventBus')?.arn.replace(/event-bus\/.*$/, 'event-bus/default')
      : undefined);

  const each = (
    type: string,
    visit: (stack: StackTemplate, logicalId: string, props: Record<string, unknown>) => void,
  ) => {
    for (const stack of input.stacks) {
      for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
        if (resource.Type === type) visit(stack, logicalId, resource.Properties ?? {});
      }
    }
  };
  const label = (stack: StackTemplate, logicalId: string) =>
    input.constructPath(stack.stackName, logicalId) ?? `${stack.stackName}/${logicalId}`;

  each('AWS::IAM::ManagedPolicy', (stack, logicalId, props) => {
    const { ref } = managedPolicyResolution(stack.stackName, logicalId, props, input.accountId);
    const resolver = input.resolver(stack);
    customerManaged.set(ref, {
      name: label(stack, logicalId),
      document: resolveDocument(props.PolicyDocument, resolver, `${logicalId}.PolicyDocument`, input.log),
    });
  });

  each('AWS::IAM::Role', (stack, logicalId, props) => {
    const resolver = input.resolver(stack);
    const { ref: name, attributes } = roleResolution(stack.stackName, logicalId, props, input.accountId);
    const path = input.constructPath(stack.stackName, logicalId);
    const policies: NamedPolicy[] = [];
    asList(props.Policies).forEach((p, i) => {
      const inline = p as { PolicyName?: unknown; PolicyDocument?: unknown };
      policies.push({
        name: `${label(stack, logicalId)} inline policy ${String(inline.PolicyName ?? i)}`,
        document: resolveDocument(inline.PolicyDocument, resolver, `${logicalId}.Policies[${i}]`, input.log),
      });
    });
    asList(props.ManagedPolicyArns).forEach((value, i) => {
      let arn: string;
      try {
        arn = String(resolver.resolve(value, `${logicalId}.ManagedPolicyArns[${i}]`));
      } catch (error) {
        input.log('warn', `IAM: role ${label(stack, logicalId)}: ${(error as Error).message}`);
        return;
      }
      const known = customerManaged.get(arn);
      if (known) {
        policies.push(known);
        return;
      }
      const awsName = awsManagedPolicyName(arn);
      const document = awsName ? AWS_MANAGED_POLICIES[awsName] : undefined;
      if (awsName && document) {
        policies.push({ name: awsName, document });
        return;
      }
      if (!warnedManaged.has(arn)) {
        warnedManaged.add(arn);
        input.log(
          'warn',
          `IAM: the managed policy ${arn} (attached to role ${label(stack, logicalId)}) is not known locally; ` +
            'it grants nothing here, so calls it would allow are reported as missing grants',
        );
      }
    });
    const role: IamRole = {
      stack: stack.stackName,
      logicalId,
      ...(path ? { path } : {}),
      name,
      arn: attributes.Arn as string,
      policies,
    };
    roles.set(role.arn, role);
    roleByName.set(`${stack.stackName}/${name}`, role);
    roleByName.set(name, role);
  });

  const attach = (stack: StackTemplate, roleRefs: unknown, policy: NamedPolicy, where: string) => {
    const resolver = input.resolver(stack);
    for (const [i, ref] of asList(roleRefs).entries()) {
      let name: string;
      try {
        name = String(resolver.resolve(ref, `${where}.Roles[${i}]`));
      } catch {
        continue;
      }
      const role = roleByName.get(name) ?? roles.get(name);
      if (role) role.policies.push(policy);
    }
  };
  each('AWS::IAM::Policy', (stack, logicalId, props) => {
    const policy = {
      name: label(stack, logicalId),
      document: resolveDocument(
        props.PolicyDocument,
        input.resolver(stack),
        `${logicalId}.PolicyDocument`,
        input.log,
      ),
    };
    attach(stack, props.Roles, policy, logicalId);
  });
  each('AWS::IAM::ManagedPolicy', (stack, logicalId, props) => {
    const { ref } = managedPolicyResolution(stack.stackName, logicalId, props, input.accountId);
    const policy = customerManaged.get(ref);
    if (policy) attach(stack, props.Roles, policy, logicalId);
  });

  const runsAs = (stack: StackTemplate, logicalId: string, roleValue: unknown, arn: string | undefined) => {
    if (!arn || roleValue === undefined) return;
    try {
      executionRoles.set(arn, String(input.resolver(stack).resolve(roleValue, `${logicalId}.Role`)));
    } catch {
      // A role from outside the app: its policies are unknown, so its calls are not evaluated.
    }
  };
  const arnOf = (stack: StackTemplate, logicalId: string) =>
    input.resources.find((r) => r.stack === stack.stackName && r.logicalId === logicalId)?.arn;
  each('AWS::Lambda::Function', (stack, logicalId, props) =>
    runsAs(stack, logicalId, props.Role, arnOf(stack, logicalId)),
  );
  each('AWS::StepFunctions::StateMachine', (stack, logicalId, props) =>
    runsAs(stack, logicalId, props.RoleArn, arnOf(stack, logicalId)),
  );

  const resolved = (stack: StackTemplate, value: unknown, where: string): unknown => {
    try {
      return input.resolver(stack).resolve(value, where);
    } catch (error) {
      input.log('debug', `IAM: ${(error as Error).message}`);
      return undefined;
    }
  };
  each('AWS::SQS::QueuePolicy', (stack, logicalId, props) => {
    const document = resolveDocument(
      props.PolicyDocument,
      input.resolver(stack),
      `${logicalId}.PolicyDocument`,
      input.log,
    );
    for (const url of asList(resolved(stack, props.Queues, `${logicalId}.Queues`))) {
      const arn = queueArn(String(url));
      if (arn) addResourcePolicy(arn, { name: label(stack, logicalId), document });
    }
  });
  each('AWS::SNS::TopicPolicy', (stack, logicalId, props) => {
    const document = resolveDocument(
      props.PolicyDocument,
      input.resolver(stack),
      `${logicalId}.PolicyDocument`,
      input.log,
    );
    for (const arn of asList(resolved(stack, props.Topics, `${logicalId}.Topics`)))
      addResourcePolicy(String(arn), { name: label(stack, logicalId), document });
  });
  each('AWS::Lambda::Permission', (stack, logicalId, props) => {
    const p = resolved(stack, props, `${logicalId}.Properties`) as Record<string, unknown> | undefined;
    if (!p) return;
    const principal = String(p.Principal ?? '');
    const condition: Record<string, Record<string, string>> = {};
    if (p.SourceArn !== undefined) condition.ArnLike = { 'AWS:SourceArn': String(p.SourceArn) };
    if (p.SourceAccount !== undefined)
      condition.StringEquals = { 'AWS:SourceAccount': String(p.SourceAccount) };
    const statement: PolicyStatement = {
      Sid: logicalId,
      Effect: 'Allow',
      Action: String(p.Action ?? 'lambda:InvokeFunction'),
      // The permission is on the function or version/alias FunctionName names, exactly.
      Resource: functionArn(String(p.FunctionName ?? '')),
      Principal: principal.endsWith('.amazonaws.com')
        ? { Service: principal }
        : principal === '*'
          ? '*'
          : { AWS: /^\d{12}$/.test(principal) ? `arn:aws:iam::${principal}:root` : principal },
      ...(Object.keys(condition).length > 0 ? { Condition: condition } : {}),
    };
    const target = statement.Resource as string;
    addResourcePolicy(target, { name: label(stack, logicalId), document: { Statement: [statement] } });
  });
  each('AWS::Events::EventBusPolicy', (stack, logicalId, props) => {
    const p = resolved(stack, props, `${logicalId}.Properties`) as Record<string, unknown> | undefined;
    if (!p) return;
    const arn = busArn(String(p.EventBusName ?? 'default'));
    if (!arn) return;
    const statement = (p.Statement ?? {
      Sid: p.StatementId,
      Effect: 'Allow',
      Action: p.Action ?? 'events:PutEvents',
      Principal: p.Principal === '*' ? '*' : { AWS: `arn:aws:iam::${String(p.Principal)}:root` },
      Resource: arn,
    }) as PolicyStatement;
    addResourcePolicy(arn, { name: label(stack, logicalId), document: { Statement: [statement] } });
  });

  return { roles, executionRoles, resourcePolicies };
}
