import { existsSync, readFileSync, statSync } from 'node:fs';

/** What reading a definition needs from the template's resolver and the cloud assembly. */
export interface DefinitionSourceContext {
  resolve(value: unknown, where: string): unknown;
  resolveString(value: unknown, where: string): string;
  /** Asset object key (e.g. `<hash>.json`) → the asset's file in the cloud assembly. */
  readonly assetsByObjectKey: ReadonlyMap<string, string>;
}

/**
 * The deployed definition text of an `AWS::StepFunctions::StateMachine`, from whichever property
 * carries it: `DefinitionString` (a string or an intrinsic that builds one), `Definition` (an
 * object), or `DefinitionS3Location` (an S3 asset, which is what `DefinitionBody.fromFile`
 * synthesizes; read from the cloud assembly). `DefinitionSubstitutions` are applied last, as
 * CloudFormation does. `logicalId` names the resource in error messages.
 */
export function definitionText(
  logicalId: string,
  props: Record<string, unknown>,
  context: DefinitionSourceContext,
): string {
  let text: string;
  if (props.DefinitionString !== undefined) {
    text = context.resolveString(props.DefinitionString, `${logicalId}.DefinitionString`);
  } else if (props.Definition !== undefined) {
    text = JSON.stringify(context.resolve(props.Definition, `${logicalId}.Definition`));
  } else if (props.DefinitionS3Location !== undefined) {
    const location = props.DefinitionS3Location as { Key?: unknown };
    const key = context.resolveString(location.Key, `${logicalId}.DefinitionS3Location.Key`);
    const file = context.assetsByObjectKey.get(key);
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      throw new Error(
        `its DefinitionS3Location object ${key} is not a file asset of the cloud assembly; only definitions ` +
          'synthesized by the app (DefinitionBody.fromFile, or an asset) can be read locally',
      );
    }
    text = readFileSync(file, 'utf8');
  } else {
    throw new Error('has no DefinitionString, Definition or DefinitionS3Location');
  }
  const substitutions = context.resolve(
    props.DefinitionSubstitutions ?? {},
    `${logicalId}.DefinitionSubstitutions`,
  ) as Record<string, unknown>;
  for (const [name, value] of Object.entries(substitutions)) {
    text = text.replaceAll(`\${${name}}`, () => String(value));
  }
  return text;
}
