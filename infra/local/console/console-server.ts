import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ParkedSagaNotFoundError, ParkedSagaNotWaitingError } from '../../operations/errors.js';
import { send } from '../gateway/http-io.js';
import { readBodyWithin } from '../gateway/request-limits.js';
import { ConsoleApi, ConsoleApiError, type ConsoleBackend } from './console-api.js';
import { CONSOLE_SECURITY_HEADERS, consoleRefusal } from './console-guard.js';

/** Where the console lives on the local endpoint. */
export const CONSOLE_PATH = '/_console';

/** A console action's body is a few identifiers. */
const ACTION_BODY_LIMIT = 16 * 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The console's page, script and style sheet ship with the package next to this module (the build
 * copies them): nothing is fetched from the network, by the server or by the browser.
 */
const ASSETS = new URL('./assets/', import.meta.url);
const ASSET_NAME = /^[a-z][a-z0-9-]*\.(html|js|css|svg)$/;

export function isConsolePath(pathname: string): boolean {
  return pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);
}

/** Serves the console (page, assets and JSON API) for one gateway. */
export class ConsoleServer {
  private readonly api: ConsoleApi;
  private readonly cache = new Map<string, Buffer>();

  constructor(backend: ConsoleBackend, selfEndpoint: () => string) {
    this.api = new ConsoleApi(backend, selfEndpoint);
  }

  stop(): void {
    this.api.destroy();
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const refusal = consoleRefusal(req);
    if (refusal) {
      req.resume();
      res.setHeader('connection', 'close');
      this.json(res, 403, { error: 'Forbidden', message: refusal });
      return;
    }
    const rest = url.pathname.slice(CONSOLE_PATH.length);
    if (rest === '') {
      send(res, 308, '', { location: `${CONSOLE_PATH}/`, ...CONSOLE_SECURITY_HEADERS });
      return;
    }
    if (rest.startsWith('/api/')) {
      await this.serveApi(req, res, rest.slice('/api/'.length), url.searchParams);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.json(res, 405, { error: 'MethodNotAllowed', message: `${req.method} ${url.pathname}` });
      return;
    }
    const name = rest === '/' ? 'index.html' : rest.replace(/^\/assets\//, '');
    if (!ASSET_NAME.test(name)) {
      this.json(res, 404, { error: 'NotFound', message: `The console has no page ${url.pathname}.` });
      return;
    }
    const body = await this.asset(name);
    if (!body) {
      this.json(res, 404, { error: 'NotFound', message: `The console has no asset ${name}.` });
      return;
    }
    const extension = name.slice(name.lastIndexOf('.'));
    send(res, 200, req.method === 'HEAD' ? '' : body, {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': CONTENT_TYPES[extension] ?? 'application/octet-stream',
    });
  }

  private async asset(name: string): Promise<Buffer | undefined> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    try {
      const body = await readFile(new URL(name, ASSETS));
      this.cache.set(name, body);
      return body;
    } catch {
      return undefined;
    }
  }

  private async serveApi(
    req: IncomingMessage,
    res: ServerResponse,
    route: string,
    query: URLSearchParams,
  ): Promise<void> {
    let body: unknown;
    if (req.method === 'POST') {
      const raw = await readBodyWithin(req, ACTION_BODY_LIMIT);
      if (!raw) {
        this.json(res, 413, {
          error: 'TooLarge',
          message: `A console action body is at most ${ACTION_BODY_LIMIT} bytes.`,
        });
        return;
      }
      try {
        body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
      } catch (error) {
        this.json(res, 400, { error: 'BadJson', message: (error as Error).message });
        return;
      }
    }
    try {
      this.json(res, 200, await this.api.route(req.method ?? 'GET', route, query, body));
    } catch (error) {
      const status =
        error instanceof ConsoleApiError
          ? error.status
          : error instanceof ParkedSagaNotFoundError
            ? 404
            : error instanceof ParkedSagaNotWaitingError
              ? 409
              : ((error as { statusCode?: number }).statusCode ??
                (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ??
                500);
      this.json(res, status, { error: (error as Error).name, message: (error as Error).message });
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    send(res, status, JSON.stringify(body), {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': 'application/json; charset=utf-8',
    });
  }
}
