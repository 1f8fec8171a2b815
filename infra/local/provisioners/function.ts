import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedAssembly } from '../cloud-assembly.js';
import type { LocalFunctionConfig } from '../lambda/local-function.js';
import { physicalName } from '../naming.js';
import type { LocalResource } from '../types.js';
import type { ProvisionEntry, Provisioner, TemplateResolver } from './context.js';

/**
 * `AWS::Lambda::Function` → a local function run from its asset folder in worker threads. A function
 * that cannot run locally (another runtime, a container image) does not fail start-up by itself:
 * its reason is kept in `unrunnable` and reported by whatever calls it.
 */
export const functionProvisioner: Provisioner = {
  types: ['AWS::Lambda::Function'],
  declare(entries, ctx) {
    for (const entry of entries) {
      const props = entry.resource.Properties ?? {};
      const name =
        typeof props.FunctionName === 'string'
          ? props.FunctionName
          : physicalName(entry.stack.stackName, entry.logicalId, 64);
      const arn = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
      ctx.register(entry, { kind: 'function', name, arn }, name, { Arn: arn });
    }
  },
  provision(entries, ctx) {
    for (const entry of entries) {
      const resource = ctx.index.get(entry.stack.stackName, entry.logicalId) as LocalResource;
      try {
        ctx.engines.registerFunction(functionConfig(entry, resource, ctx.resolver(entry), ctx.assembly));
      } catch (error) {
        ctx.unrunnable.set(resource.name, `function ${ctx.where(entry)}: ${(error as Error).message}`);
      }
    }
  },
};

export function functionConfig(
  entry: ProvisionEntry,
  resource: LocalResource,
  resolver: TemplateResolver,
  assembly: LoadedAssembly,
): LocalFunctionConfig {
  const props = entry.resource.Properties ?? {};
  const runtime = typeof props.Runtime === 'string' ? props.Runtime : '';
  if (!runtime.startsWith('nodejs')) {
    throw new Error(`runtime ${runtime || '(none)'} cannot run locally; only Node.js functions can`);
  }
  const code = (props.Code ?? {}) as Record<string, unknown>;
  let codeDir: string;
  if (code.ZipFile !== undefined) {
    codeDir = mkdtempSync(join(tmpdir(), 'stepsaga-inline-'));
    writeFileSync(
      join(codeDir, 'index.js'),
      resolver.resolveString(code.ZipFile, `${entry.logicalId}.Code.ZipFile`),
    );
    writeFileSync(join(codeDir, 'package.json'), '{"type":"commonjs"}');
  } else if (code.S3Key !== undefined) {
    const objectKey = resolver.resolveString(code.S3Key, `${entry.logicalId}.Code.S3Key`);
    const asset = assembly.assetsByObjectKey.get(objectKey);
    if (!asset || !existsSync(asset))
      throw new Error(`code asset ${objectKey} is not in the cloud assembly ${assembly.directory}`);
    if (!statSync(asset).isDirectory())
      throw new Error(
        `code asset ${asset} is a file; the local cloud runs only folder assets (lambda.Code.fromAsset(dir), NodejsFunction)`,
      );
    codeDir = asset;
  } else {
    throw new Error('has no Code.S3Key or Code.ZipFile (container images cannot run locally)');
  }
  const variables = resolver.resolve(
    (props.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
    `${entry.logicalId}.Properties.Environment.Variables`,
  ) as Record<string, unknown>;
  return {
    stack: entry.stack.stackName,
    logicalId: entry.logicalId,
    ...(entry.path ? { path: entry.path } : {}),
    name: resource.name,
    arn: resource.arn,
    codeDir,
    handler: typeof props.Handler === 'string' ? props.Handler : 'index.handler',
    runtime,
    timeoutSeconds: typeof props.Timeout === 'number' ? props.Timeout : 3,
    memorySize: typeof props.MemorySize === 'number' ? props.MemorySize : 128,
    environment: Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, String(v)])),
  };
}
