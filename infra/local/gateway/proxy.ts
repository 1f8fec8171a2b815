import {
  Agent,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import { send } from './http-io.js';
import { rewriteAuthorization, type ScopeOverride } from './sigv4-scope.js';

/** Headers that describe the hop, not the message, and must not be copied to the next hop. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'te',
]);

export interface EngineResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export function createEngineAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 256 });
}

export interface ForwardOptions {
  readonly agent: Agent;
  readonly engine: string;
  readonly service: string;
  readonly scope: ScopeOverride;
  /** Path and query to send; defaults to the incoming request's. */
  readonly path?: string;
  readonly headers?: Record<string, string>;
}

function forwardHeaders(
  incoming: IncomingHttpHeaders,
  options: ForwardOptions,
  engineUrl: URL,
  length: number,
) {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    headers[name] = value;
  }
  // The gateway has judged the page's origin already; the engines must see a plain local client.
  delete headers.origin;
  delete headers.referer;
  headers.host = engineUrl.host;
  headers['content-length'] = String(length);
  headers.authorization = rewriteAuthorization(incoming.authorization, options.service, options.scope);
  return { ...headers, ...options.headers };
}

/** Sends a buffered request to an engine and buffers its answer, so callers may rewrite it. */
export function forward(
  req: IncomingMessage,
  body: Buffer,
  options: ForwardOptions,
): Promise<EngineResponse> {
  const engineUrl = new URL(options.engine);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        agent: options.agent,
        protocol: engineUrl.protocol,
        hostname: engineUrl.hostname,
        port: engineUrl.port,
        method: req.method,
        path: options.path ?? req.url ?? '/',
        headers: forwardHeaders(req.headers, options, engineUrl, body.length),
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
        );
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Relays an engine's answer to the client, with a new body when the caller rewrote it. */
export function relay(res: ServerResponse, answer: EngineResponse, body: Buffer = answer.body): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'content-length') continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  send(res, answer.status, body, headers);
}
