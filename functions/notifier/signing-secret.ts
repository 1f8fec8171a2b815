import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { SigningSecretSource } from './config.js';
import { NotifierConfigError } from './errors.js';

export type SigningSecretProvider = () => Promise<string | undefined>;

/** A rotated secret reaches warm functions within this time. */
const CACHE_MS = 5 * 60_000;

let secretsManager: SecretsManagerClient | undefined;
let ssm: SSMClient | undefined;

async function fetchSecret(source: SigningSecretSource): Promise<string> {
  if (source.kind === 'secretsmanager') {
    secretsManager ??= new SecretsManagerClient({});
    const { SecretString } = await secretsManager.send(
      new GetSecretValueCommand({ SecretId: source.secretId }),
    );
    if (!SecretString) {
      throw new NotifierConfigError(
        `Secret ${source.secretId} has no SecretString; store the webhook signing secret as a string.`,
      );
    }
    return SecretString;
  }
  ssm ??= new SSMClient({});
  const { Parameter } = await ssm.send(
    new GetParameterCommand({ Name: source.parameterName, WithDecryption: true }),
  );
  if (!Parameter?.Value) {
    throw new NotifierConfigError(
      `Parameter ${source.parameterName} has no value; store the signing secret in it.`,
    );
  }
  return Parameter.Value;
}

/** Reads the signing secret from Secrets Manager or SSM Parameter Store, cached per warm function. */
export function signingSecretProvider(source: SigningSecretSource | undefined): SigningSecretProvider {
  let cached: { value: string; until: number } | undefined;
  return async () => {
    if (!source) return undefined;
    if (cached && cached.until > Date.now()) return cached.value;
    const value = await fetchSecret(source);
    cached = { value, until: Date.now() + CACHE_MS };
    return value;
  };
}
