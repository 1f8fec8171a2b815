import type { StackTemplate } from './cloud-assembly.js';

/** Raised when a value in a template cannot be resolved to a local value; the message names the place. */
export class IntrinsicError extends Error {
  override readonly name = 'IntrinsicError';
}

/** What a resource resolves to locally: its `Ref` value and its `Fn::GetAtt` attributes. */
export interface ResolvedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface ResolverEnvironment {
  readonly region: string;
  readonly accountId: string;
  /** Looks up a resource of a stack; undefined when the local cloud does not emulate it. */
  resource(stack: string, logicalId: string): ResolvedResource | undefined;
}

const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Resolves CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split,
 * Fn::FindInMap, Fn::If and conditions, pseudo parameters) to local names, ARNs and URLs.
 */
export class IntrinsicResolver {
  constructor(
    private readonly stack: StackTemplate,
    private readonly env: ResolverEnvironment,
  ) {}

  /** `where` names the value in error messages, e.g. `MyFunction.Properties.Environment`. */
  resolve(value: unknown, where: string): unknown {
    const resolved = this.walk(value, where);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  resolveString(value: unknown, where: string): string {
    const resolved = this.resolve(value, where);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new IntrinsicError(`${this.at(where)} must resolve to a string, got ${JSON.stringify(resolved)}`);
  }

  private at(where: string): string {
    return `${this.stack.stackName}/${where}`;
  }

  private walk(value: unknown, where: string): unknown {
    if (Array.isArray(value)) {
      return value.map((v, i) => this.walk(v, `${where}[${i}]`)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const first = entries[0];
    if (
      entries.length === 1 &&
      first &&
      (first[0] === 'Ref' || first[0].startsWith('Fn::') || first[0] === 'Condition')
    ) {
      if (first[0] === 'Condition' && typeof first[1] !== 'string') {
        // A property literally named "Condition" holding an object is data, not an intrinsic.
      } else {
        return this.intrinsic(first[0], first[1], where);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of entries) {
      const resolved = this.walk(v, `${where}.${key}`);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private str(value: unknown, where: string): string {
    const resolved = this.walk(value, where);
    if (typeof resolved === 'string') return resolved;
    if (typeof resolved === 'number' || typeof resolved === 'boolean') return String(resolved);
    throw new IntrinsicError(`${this.at(where)} must resolve to a string, got ${JSON.stringify(resolved)}`);
  }

  private intrinsic(name: string, arg: unknown, where: string): unknown {
    const here = `${where}.${name}`;
    switch (name) {
      case 'Ref':
        return this.ref(String(arg), here);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg.map(String) : String(arg).split(/\.(.*)/s);
        return this.getAtt(String(id), String(attr), here);
      }
      case 'Fn::Join': {
        const [delimiter, list] = arg as [string, unknown];
        const items = this.walk(list, here);
        if (!Array.isArray(items))
          throw new IntrinsicError(`${this.at(here)} needs a list, got ${JSON.stringify(items)}`);
        return items.map((item, i) => this.str(item, `${here}[${i}]`)).join(delimiter);
      }
      case 'Fn::Select': {
        const [index, list] = arg as [unknown, unknown];
        const items = this.walk(list, here);
        const i = Number(this.walk(index, here));
        if (!Array.isArray(items) || !(i >= 0 && i < items.length)) {
          throw new IntrinsicError(
            `${this.at(here)}: index ${i} is out of range of ${JSON.stringify(items)}`,
          );
        }
        return items[i];
      }
      case 'Fn::Split': {
        const [delimiter, source] = arg as [string, unknown];
        return this.str(source, here).split(delimiter);
      }
      case 'Fn::Sub':
        return this.sub(arg, here);
      case 'Fn::FindInMap': {
        const [map, first, second] = (arg as unknown[]).map((v, i) => this.str(v, `${here}[${i}]`));
        const found = this.stack.template.Mappings?.[map ?? '']?.[first ?? '']?.[second ?? ''];
        if (found === undefined) {
          throw new IntrinsicError(`${this.at(here)}: mapping ${map}.${first}.${second} does not exist`);
        }
        return found;
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
        return this.condition(condition, here) ? this.walk(whenTrue, here) : this.walk(whenFalse, here);
      }
      case 'Fn::Equals': {
        const [a, b] = arg as [unknown, unknown];
        return JSON.stringify(this.walk(a, here)) === JSON.stringify(this.walk(b, here));
      }
      case 'Fn::Not':
        return !this.truthy((arg as unknown[])[0], here);
      case 'Fn::And':
        return (arg as unknown[]).every((c) => this.truthy(c, here));
      case 'Fn::Or':
        return (arg as unknown[]).some((c) => this.truthy(c, here));
      case 'Condition':
        return this.condition(String(arg), here);
      case 'Fn::Base64':
        return Buffer.from(this.str(arg, here)).toString('base64');
      default:
        throw new IntrinsicError(
          `${this.at(where)} uses the intrinsic ${name}, which the local cloud cannot resolve. ` +
            'Supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::FindInMap, Fn::If, Fn::Base64 and conditions.',
        );
    }
  }

  private truthy(value: unknown, where: string): boolean {
    return this.walk(value, where) === true;
  }

  condition(name: string, where: string): boolean {
    const definition = this.stack.template.Conditions?.[name];
    if (definition === undefined)
      throw new IntrinsicError(`${this.at(where)}: condition ${name} does not exist`);
    return this.truthy(definition, `Conditions.${name}`);
  }

  private ref(name: string, where: string): unknown {
    switch (name) {
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.accountId;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return this.stack.stackName;
      case 'AWS::StackId':
        return `arn:aws:cloudformation:${this.env.region}:${this.env.accountId}:stack/${this.stack.stackName}/local`;
      case 'AWS::NoValue':
        return NO_VALUE;
      case 'AWS::NotificationARNs':
        return [];
    }
    const parameter = this.stack.template.Parameters?.[name];
    if (parameter) {
      if (parameter.Default === undefined) {
        throw new IntrinsicError(`${this.at(where)} refers to parameter ${name}, which has no default value`);
      }
      return parameter.Default;
    }
    return this.resource(name, where).ref;
  }

  private resource(logicalId: string, where: string): ResolvedResource {
    const resolved = this.env.resource(this.stack.stackName, logicalId);
    if (resolved) return resolved;
    const type = this.stack.template.Resources?.[logicalId]?.Type;
    if (!type)
      throw new IntrinsicError(`${this.at(where)} refers to ${logicalId}, which is not in the template`);
    throw new IntrinsicError(
      `${this.at(where)} refers to ${logicalId} (${type}), a resource type the local cloud does not emulate; ` +
        'remove the reference or run the app on AWS or LocalStack',
    );
  }

  private getAtt(logicalId: string, attribute: string, where: string): string {
    const resolved = this.resource(logicalId, where);
    const value = resolved.attributes[attribute];
    if (value === undefined) {
      throw new IntrinsicError(
        `${this.at(where)} reads attribute ${attribute} of ${logicalId}, which the local cloud does not provide ` +
          `(available: ${Object.keys(resolved.attributes).join(', ') || 'none'})`,
      );
    }
    return value;
  }

  private sub(arg: unknown, where: string): string {
    const [template, variables] =
      typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
    return template.replace(/\$\{([^}]*)\}/g, (whole, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`;
      if (variables && expression in variables)
        return this.str(variables[expression], `${where}.${expression}`);
      const dot = expression.indexOf('.');
      if (dot > 0 && !expression.startsWith('AWS::')) {
        return this.getAtt(expression.slice(0, dot), expression.slice(dot + 1), where);
      }
      const value = this.ref(expression, where);
      if (typeof value !== 'string')
        throw new IntrinsicError(`${this.at(where)}: ${whole} does not resolve to a string`);
      return value;
    });
  }
}
