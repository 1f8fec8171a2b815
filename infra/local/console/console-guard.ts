import type { IncomingMessage } from 'node:http';

/** The header every state-changing console request carries; a cross-site form or image cannot set it. */
export const CONSOLE_ACTION_HEADER = 'x-stepsaga-console';

/**
 * Headers of every console answer. The console runs operator actions against the local cloud, so
 * its pages load nothing from elsewhere (no CDN, no inline script), cannot be framed (clickjacking
 * an "abandon" button), and its JSON cannot be embedded by another site.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Why a console request is refused, or undefined when it may be served. The gateway has already
 * checked `Host` (loopback, DNS rebinding) and refused foreign origins, but it lets origins the user
 * allowed for the AWS APIs (`--allow-origin`) through: the console answers its own origin only.
 * State-changing requests must also prove they come from the console's own script: a POST with a
 * JSON body and the console's header, which a cross-site page can only send after a CORS preflight
 * that the console never grants.
 */
export function consoleRefusal(req: IncomingMessage): string | undefined {
  const host = header(req, 'host');
  const origin = header(req, 'origin');
  if (
    origin !== undefined &&
    (host === undefined || origin.toLowerCase() !== `http://${host.toLowerCase()}`)
  ) {
    return `The console answers its own origin only (http://${host ?? '<host>'}), not "${origin}".`;
  }
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `The console refuses ${site} requests.`;
  }
  if (req.method === 'GET' || req.method === 'HEAD') return undefined;
  if (req.method !== 'POST') return `The console does not accept ${req.method} requests.`;
  if (!(header(req, 'content-type') ?? '').startsWith('application/json')) {
    return 'Console actions take a JSON body (content-type: application/json).';
  }
  if (header(req, CONSOLE_ACTION_HEADER) !== '1') {
    return `Console actions must carry the ${CONSOLE_ACTION_HEADER} header.`;
  }
  return undefined;
}
