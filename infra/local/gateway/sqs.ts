import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './http-io.js';
import { type EngineResponse, type ForwardOptions, forward, relay } from './proxy.js';
import { jsonToQueryXml, queryErrorCode, queryErrorXml, queryToJsonRequest } from './sqs-query.js';

const QUEUE_URL_KEYS = new Set(['QueueUrl', 'QueueUrls', 'queueUrls']);

/** Points a queue URL the emulator minted (its own host and port) at the gateway the client used. */
export function toGatewayQueueUrl(url: string, gatewayOrigin: string): string {
  try {
    const parsed = new URL(url);
    return `${gatewayOrigin}${parsed.pathname}`;
  } catch {
    return url;
  }
}

function rewriteQueueUrls(value: unknown, gatewayOrigin: string): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (QUEUE_URL_KEYS.has(key) && typeof child === 'string')
      out[key] = toGatewayQueueUrl(child, gatewayOrigin);
    else if (QUEUE_URL_KEYS.has(key) && Array.isArray(child)) {
      out[key] = child.map((u) => (typeof u === 'string' ? toGatewayQueueUrl(u, gatewayOrigin) : u));
    } else out[key] = child;
  }
  return out;
}

function parseEngineJson(answer: EngineResponse): Record<string, unknown> | undefined {
  if (answer.body.length === 0) return {};
  try {
    return JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function handleSqsJson(
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
  options: ForwardOptions,
  gatewayOrigin: string,
): Promise<void> {
  const answer = await forward(req, body, options);
  const json = answer.status < 300 ? parseEngineJson(answer) : undefined;
  if (!json) {
    relay(res, answer);
    return;
  }
  relay(res, answer, Buffer.from(JSON.stringify(rewriteQueueUrls(json, gatewayOrigin))));
}

/** A query-protocol SQS request: translated to JSON for the emulator, answered in XML. */
export async function handleSqsQuery(
  req: IncomingMessage,
  res: ServerResponse,
  params: URLSearchParams,
  options: ForwardOptions,
  gatewayOrigin: string,
): Promise<void> {
  const action = params.get('Action') ?? '';
  const request = queryToJsonRequest(action, params);
  // Older clients post to the queue URL itself rather than passing QueueUrl.
  const path = new URL(req.url ?? '/', 'http://gateway').pathname;
  if (!request.QueueUrl && /^\/\d{12}\/[^/]+$/.test(path)) request.QueueUrl = `${gatewayOrigin}${path}`;
  const answer = await forward(req, Buffer.from(JSON.stringify(request)), {
    ...options,
    path: '/',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
  });
  const requestId = randomUUID();
  const json = parseEngineJson(answer) ?? {};
  if (answer.status >= 300) {
    const header = answer.headers['x-amzn-query-error'];
    const { code, fault } = queryErrorCode(
      Array.isArray(header) ? header[0] : header,
      typeof json.__type === 'string' ? json.__type : undefined,
    );
    const message = typeof json.message === 'string' ? json.message : `SQS ${action} failed`;
    send(res, answer.status, queryErrorXml(code, message, fault, requestId), { 'content-type': 'text/xml' });
    return;
  }
  const xml = jsonToQueryXml(action, rewriteQueueUrls(json, gatewayOrigin), requestId);
  send(res, 200, xml, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
}
