import type { ServerResponse } from 'node:http';

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  headers: Record<string, string> = {},
): void {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'content-length': String(payload.length) });
  res.end(payload);
}

/**
 * Serializes a service response the way AWS JSON protocols expect: timestamps as epoch seconds (the
 * SDKs and the CLI parse numbers), not the ISO strings `Date.toJSON` would produce.
 */
export function toAwsJson(value: unknown): string {
  return JSON.stringify(
    value ?? {},
    function replacer(this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      return raw instanceof Date ? raw.getTime() / 1000 : v;
    },
  );
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  return JSON.parse(body.toString('utf8'));
}
