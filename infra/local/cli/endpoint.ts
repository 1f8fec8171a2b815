import { SFNClient } from '@aws-sdk/client-sfn';

export const DEFAULT_LOCAL_ENDPOINT = 'http://127.0.0.1:4566';

export interface TargetOptions {
  /** `--endpoint-url`; wins over the environment. */
  readonly endpointUrl?: string;
  /** `--aws`: ignore local endpoints and talk to AWS with the SDK's default configuration. */
  readonly aws?: boolean;
  readonly region?: string;
}

export interface Target {
  /** Undefined when talking to AWS itself. */
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  /** For messages: where the commands go. */
  readonly description: string;
}

/** Local gateway by default (`AWS_ENDPOINT_URL` or 127.0.0.1:4566); AWS with `--aws`. */
export function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): Target {
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (options.aws) return { endpoint: undefined, region, description: `AWS (${region ?? 'default region'})` };
  const endpoint =
    options.endpointUrl ?? env.AWS_ENDPOINT_URL_SFN ?? env.AWS_ENDPOINT_URL ?? DEFAULT_LOCAL_ENDPOINT;
  return { endpoint, region: region ?? 'us-east-1', description: endpoint };
}

export function createSfnClient(target: Target, env: NodeJS.ProcessEnv = process.env): SFNClient {
  if (!target.endpoint) return new SFNClient(target.region ? { region: target.region } : {});
  // The local endpoint does not verify signatures; without configured credentials, sign with dummy ones
  // rather than fail in the SDK's credential chain.
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE);
  return new SFNClient({
    endpoint: target.endpoint,
    region: target.region,
    ...(hasCredentials ? {} : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  });
}

/** A connection failure, explained: the usual cause is that no local cloud is listening. */
export function explainConnectionError(error: unknown, target: Target): string | undefined {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.code ??
    (error as { cause?: { code?: unknown } })?.cause?.code;
  if (code !== 'ECONNREFUSED' && code !== 'ENOTFOUND' && code !== 'ECONNRESET') return undefined;
  return target.endpoint
    ? `Cannot reach ${target.endpoint} (${String(code)}). Start the local cloud with "npm run stepsaga -- local up", ` +
        'set AWS_ENDPOINT_URL / --endpoint-url to where it listens, or pass --aws to use AWS.'
    : `Cannot reach AWS Step Functions (${String(code)}).`;
}
