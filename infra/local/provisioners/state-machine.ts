import { join, resolve as resolvePath } from 'node:path';
import { physicalName } from '../naming.js';
import { AslValidationCache } from '../stepfunctions/asl-validation-cache.js';
import { analyzeDefinition } from '../stepfunctions/definition.js';
import { definitionText } from '../stepfunctions/definition-source.js';
import type { LocalResource } from '../types.js';
import type { Provisioner } from './context.js';

/**
 * `AWS::StepFunctions::StateMachine` → a machine on the ASL interpreter. Every Task must bind to a
 * local integration and the definition must pass the interpreter's validator, or start-up fails
 * naming the state.
 */
export const stateMachineProvisioner: Provisioner = {
  types: ['AWS::StepFunctions::StateMachine'],
  declare(entries, ctx) {
    for (const entry of entries) {
      const props = entry.resource.Properties ?? {};
      const name =
        typeof props.StateMachineName === 'string'
          ? props.StateMachineName
          : physicalName(entry.stack.stackName, entry.logicalId, 80);
      const arn = `arn:aws:states:${ctx.region}:${ctx.accountId}:stateMachine:${name}`;
      ctx.register(entry, { kind: 'stateMachine', name, arn }, arn, {
        Arn: arn,
        Name: name,
        StateMachineRevisionId: 'local',
      });
    }
  },
  provision(entries, ctx) {
    const { options } = ctx;
    const aslValidations = new AslValidationCache(
      options.synthCache
        ? join(resolvePath(options.synthCache.projectRoot ?? process.cwd()), '.stepsaga', 'asl-valid')
        : undefined,
      new Map(ctx.index.all.filter((r) => r.kind === 'queue' && r.url).map((r) => [r.url as string, r.arn])),
    );
    const isLocalFunction = (nameOrArn: string) => ctx.engines.lambda.lookup(nameOrArn) !== undefined;
    for (const entry of entries) {
      const where = ctx.where(entry);
      const resource = ctx.index.get(entry.stack.stackName, entry.logicalId) as LocalResource;
      try {
        const resolver = ctx.resolver(entry);
        const props = entry.resource.Properties ?? {};
        const text = definitionText(entry.logicalId, props, {
          resolve: (value, at) => resolver.resolve(value, at),
          resolveString: (value, at) => resolver.resolveString(value, at),
          assetsByObjectKey: ctx.assembly.assetsByObjectKey,
        });
        const definition = JSON.parse(text) as Record<string, unknown>;
        const analyzed = analyzeDefinition(where, definition, {
          isLocalFunction,
          retryIntervalDivisor: options.retryIntervalDivisor ?? 1,
        });
        for (const problem of analyzed.problems) ctx.problem(problem);
        if (analyzed.problems.length === 0 && !aslValidations.isKnownValid(text)) {
          try {
            ctx.engines.validateDefinition(definition);
            aslValidations.rememberValid(text);
          } catch (error) {
            const message = (error as Error).message;
            // The interpreter's validator reports real ASL errors with this prefix; anything else
            // is the validator tripping over valid ASL it does not know, which must not block.
            if (message.startsWith('State machine definition is invalid'))
              ctx.problem(`state machine ${where}: ${message}`);
            else ctx.log('debug', `ASL validation of ${where} skipped: ${message}`);
          }
        }
        for (const binding of analyzed.tasks.values()) {
          if (binding.kind === 'lambda-function') {
            const reason = ctx.unrunnable.get(
              ctx.engines.lambda.lookup(binding.functionName)?.config.name ?? '',
            );
            if (reason) ctx.problem(reason);
          }
        }
        const type = props.StateMachineType === 'EXPRESS' ? 'EXPRESS' : 'STANDARD';
        ctx.engines.registerStateMachine({
          stack: entry.stack.stackName,
          logicalId: entry.logicalId,
          name: resource.name,
          arn: resource.arn,
          type,
          roleArn:
            typeof props.RoleArn === 'string'
              ? props.RoleArn
              : `arn:aws:iam::${ctx.accountId}:role/${resource.name}-role`,
          definition: text,
          analyzed,
          creationDate: Date.now(),
          ...(typeof definition.TimeoutSeconds === 'number'
            ? { timeoutSeconds: definition.TimeoutSeconds }
            : {}),
        });
      } catch (error) {
        ctx.problem(`state machine ${where}: ${(error as Error).message}`);
      }
    }
  },
};
