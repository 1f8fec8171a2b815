/**
 * The gateway does not verify SigV4 signatures. It does rewrite the credential scope of each request
 * it forwards to an engine, because the engines read it: DynamoDB Local keeps one database per
 * (access key, region) unless started shared, and the SQS emulator builds queue ARNs and URLs from the
 * region. Rewriting makes every client, whatever its profile and region, see the same resources.
 */
export interface ScopeOverride {
  readonly region: string;
  /** Replace the access key id too; leave undefined to keep the client's. */
  readonly accessKeyId?: string;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

export function rewriteAuthorization(
  header: string | undefined,
  service: string,
  override: ScopeOverride,
  now: Date = new Date(),
): string {
  const match = header ? CREDENTIAL.exec(header) : null;
  if (!header || !match) {
    const date = now.toISOString().slice(0, 10).replaceAll('-', '');
    const key = override.accessKeyId ?? 'local';
    return `AWS4-HMAC-SHA256 Credential=${key}/${date}/${override.region}/${service}/aws4_request, SignedHeaders=host, Signature=0`;
  }
  const [, key, date, , signedService] = match;
  const credential = `Credential=${override.accessKeyId ?? key}/${date}/${override.region}/${signedService}/aws4_request`;
  return header.replace(CREDENTIAL, credential);
}
