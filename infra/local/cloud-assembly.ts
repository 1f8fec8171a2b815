import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import type { App } from 'aws-cdk-lib';
import { withDirectEsbuild } from './direct-esbuild.js';
import { LocalCloudStartError } from './errors.js';
import { recordEnvironmentReads, type SynthCache } from './synth-cache.js';

/** A CloudFormation template as the local cloud reads it. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Parameters?: Record<string, { readonly Type?: string; readonly Default?: unknown }>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Conditions?: Record<string, unknown>;
}

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
}

export interface StackTemplate {
  readonly stackName: string;
  readonly template: CfnTemplate;
  /** The directory holding the template, where asset paths are relative to. */
  readonly directory: string;
}

export interface LoadedAssembly {
  readonly directory: string;
  readonly stacks: readonly StackTemplate[];
  /** Asset object key (e.g. `<hash>.zip`) → absolute path of the asset's folder or file. */
  readonly assetsByObjectKey: ReadonlyMap<string, string>;
  /** `<stackName>/<logicalId>` → construct path, from the app itself or the `aws:cdk:path` metadata. */
  readonly constructPaths: ReadonlyMap<string, string>;
  /** True when synthesis wrote to a fresh temporary folder that the cloud should remove on stop. */
  readonly temporary: boolean;
}

interface ManifestArtifact {
  readonly type: string;
  readonly displayName?: string;
  readonly properties?: {
    readonly templateFile?: string;
    readonly stackName?: string;
    readonly directoryName?: string;
    readonly file?: string;
  };
}

interface AssetManifest {
  readonly files?: Record<
    string,
    {
      readonly source: { readonly path?: string; readonly packaging?: string };
      readonly destinations: Record<string, { readonly objectKey: string }>;
    }
  >;
}

/** Synthesizes the app in-process (or opens an existing cloud assembly) and reads every stack. */
export async function loadAssembly(
  app: (() => App | Promise<App>) | string,
  cache?: SynthCache,
): Promise<LoadedAssembly> {
  let directory: string;
  let constructPaths = new Map<string, string>();
  const cacheKey = typeof app !== 'string' ? cache?.key() : undefined;
  const cached = cacheKey ? cache?.lookup(cacheKey) : undefined;
  if (typeof app === 'string') {
    directory = isAbsolute(app) ? app : resolve(app);
  } else if (cached) {
    directory = cached.directory;
    constructPaths = new Map(cached.constructPaths);
  } else {
    // Loaded only to synthesize: a cache hit or an assembly directory never pays for aws-cdk-lib.
    const { CfnResource: CdkCfnResource, Stack } = await import('aws-cdk-lib');
    // The variables the app reads while it is built decide, with its sources, whether a cached
    // assembly still fits.
    const { result, names: environmentRead } = await recordEnvironmentReads(() =>
      withDirectEsbuild(async () => {
        const built = await app();
        return { instance: built, synthesized: synthWithoutAdvisoryValidation(built) };
      }),
    );
    const { instance } = result;
    directory = result.synthesized;
    // In-process synthesis leaves out the path metadata the CDK CLI asks for; the tree has it.
    for (const construct of instance.node.findAll()) {
      if (!CdkCfnResource.isCfnResource(construct)) continue;
      const stack = Stack.of(construct);
      constructPaths.set(`${stack.stackName}/${stack.resolve(construct.logicalId)}`, construct.node.path);
    }
    if (cache && cacheKey) {
      const fresh = directory;
      directory = cache.store(cacheKey, fresh, constructPaths, environmentRead);
      if (fresh.startsWith(tmpdir())) rmSync(fresh, { recursive: true, force: true });
    }
  }
  const stacks: StackTemplate[] = [];
  const assetsByObjectKey = new Map<string, string>();
  readAssemblyDir(directory, stacks, assetsByObjectKey);
  if (stacks.length === 0) {
    throw new LocalCloudStartError([`the cloud assembly in ${directory} holds no stack`], 'Nothing to run');
  }
  for (const stack of stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const path = resource.Metadata?.['aws:cdk:path'];
      if (typeof path === 'string') constructPaths.set(`${stack.stackName}/${logicalId}`, path);
    }
  }
  const temporary =
    typeof app !== 'string' &&
    !cache &&
    directory.startsWith(tmpdir()) &&
    basename(directory).startsWith('cdk.out');
  return { directory, stacks, assetsByObjectKey, constructPaths, temporary };
}

/** The feature flag that turns CDK's built-in template validation from warnings into errors. */
const VALIDATE_AGAINST_DEFAULT_RULES = '@aws-cdk/core:validateAgainstDefaultRules';

/**
 * Synthesizes the app, skipping CDK's built-in CloudFormation template validation when it can only
 * warn: unless the app sets {@link VALIDATE_AGAINST_DEFAULT_RULES}, aws-cdk-lib downgrades its findings
 * to warnings, and loading and running its WebAssembly rule engine took 5-7 s of every cold start.
 * The app's own validation plugins (cdk-nag, ...) still run and still fail the synth. A
 * `CDK_VALIDATION` the user set is left as it is.
 */
function synthWithoutAdvisoryValidation(app: App): string {
  const flag = app.node.tryGetContext(VALIDATE_AGAINST_DEFAULT_RULES);
  const enforced = flag === true || flag === 'true';
  if (enforced || process.env.CDK_VALIDATION !== undefined) return app.synth().directory;
  process.env.CDK_VALIDATION = 'false';
  try {
    return app.synth().directory;
  } finally {
    delete process.env.CDK_VALIDATION;
  }
}

function readJson<T>(file: string): T {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new LocalCloudStartError(
      [`cannot read ${file}: ${(error as Error).message}`],
      'The cloud assembly is unreadable; run "cdk synth" again',
    );
  }
}

function readAssemblyDir(directory: string, stacks: StackTemplate[], assets: Map<string, string>): void {
  const manifest = readJson<{ artifacts?: Record<string, ManifestArtifact> }>(
    join(directory, 'manifest.json'),
  );
  for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
    const props = artifact.properties ?? {};
    if (artifact.type === 'aws:cloudformation:stack' && props.templateFile) {
      stacks.push({
        stackName: props.stackName ?? id,
        template: readJson<CfnTemplate>(join(directory, props.templateFile)),
        directory,
      });
    } else if (artifact.type === 'cdk:cloud-assembly' && props.directoryName) {
      readAssemblyDir(join(directory, props.directoryName), stacks, assets);
    }
  }
  for (const file of readdirSync(directory)) {
    if (!file.endsWith('.assets.json')) continue;
    const assetManifest = readJson<AssetManifest>(join(directory, file));
    for (const asset of Object.values(assetManifest.files ?? {})) {
      if (!asset.source.path) continue;
      for (const destination of Object.values(asset.destinations)) {
        assets.set(destination.objectKey, join(directory, asset.source.path));
      }
    }
  }
}
