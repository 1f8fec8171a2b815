import type { LocalResource } from '../types.js';
import type { Provisioner } from './context.js';

const functionNameOf = (value: string) =>
  /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(value)?.[1] ?? value.split(':')[0] ?? value;

/**
 * `AWS::Lambda::Version` → a snapshot of the function's code and configuration under the next
 * version number, which keeps running that code after a reload changes `$LATEST`, as a published
 * version does on AWS. `Ref` is the version's ARN; `Fn::GetAtt Version` its number.
 */
export const functionVersionProvisioner: Provisioner = {
  types: ['AWS::Lambda::Version'],
  provision(entries, ctx) {
    for (const entry of entries) {
      try {
        const props = entry.resource.Properties ?? {};
        const name = functionNameOf(
          ctx.resolver(entry).resolveString(props.FunctionName, `${entry.logicalId}.FunctionName`),
        );
        const function_ = ctx.index.all.find((r) => r.kind === 'function' && r.name === name);
        if (!function_) throw new Error(`function ${name} is not a function of the app`);
        const published = ctx.engines.publishVersion(name, `${entry.stack.stackName}/${entry.logicalId}`);
        if (!published) {
          // It cannot run locally (the reason is kept); whatever invokes the version reports it.
          ctx.register(
            entry,
            { kind: 'functionVersion', name, arn: `${function_.arn}:1`, version: '1' },
            `${function_.arn}:1`,
            {
              Version: '1',
              FunctionArn: function_.arn,
            },
          );
          continue;
        }
        ctx.register(
          entry,
          { kind: 'functionVersion', name, arn: published.arn, version: published.version },
          published.arn,
          { Version: published.version, FunctionArn: function_.arn },
        );
      } catch (error) {
        ctx.problem(`function version ${ctx.where(entry)}: ${(error as Error).message}`);
      }
    }
  },
};

/**
 * `AWS::Lambda::Alias` → a name that points at one version (weighted routing to a second version
 * is not emulated: the alias runs its main version). `Ref` is the alias ARN.
 */
export const functionAliasProvisioner: Provisioner = {
  types: ['AWS::Lambda::Alias'],
  provision(entries, ctx) {
    for (const entry of entries) {
      try {
        const props = entry.resource.Properties ?? {};
        const resolver = ctx.resolver(entry);
        const name = functionNameOf(
          resolver.resolveString(props.FunctionName, `${entry.logicalId}.FunctionName`),
        );
        const fn = ctx.engines.lambda.lookup(name);
        if (!fn) throw new Error(`function ${name} is not a function of the app`);
        const aliasName = resolver.resolveString(props.Name, `${entry.logicalId}.Name`);
        const version = resolver.resolveString(props.FunctionVersion, `${entry.logicalId}.FunctionVersion`);
        if (props.RoutingConfig !== undefined)
          ctx.log(
            'warn',
            `alias ${ctx.where(entry)}: weighted routing is not emulated; every invocation runs version ${version}`,
          );
        if (version !== '$LATEST' && !ctx.engines.lambda.lookup(name, version))
          throw new Error(`version ${version} of function ${name} does not exist`);
        ctx.engines.setAlias(name, aliasName, version);
        const arn = `${fn.config.arn}:${aliasName}`;
        ctx.register(
          entry,
          { kind: 'functionAlias', name: `${name}:${aliasName}`, arn, version } satisfies Omit<
            LocalResource,
            'stack' | 'logicalId' | 'path' | 'type'
          >,
          arn,
          {
            AliasArn: arn,
          },
        );
      } catch (error) {
        ctx.problem(`function alias ${ctx.where(entry)}: ${(error as Error).message}`);
      }
    }
  },
};
