import { isIP } from 'node:net';

/**
 * Who may talk to the gateway. It serves unauthenticated AWS APIs on a laptop, so two kinds of
 * callers must be kept out even though they reach 127.0.0.1:
 * - web pages in the user's browser: a page on another site can POST a form (SQS query protocol)
 *   or a `text/plain` body (Lambda Invoke) without a CORS preflight; the browser marks such
 *   requests with an `Origin` header naming the page's site;
 * - DNS rebinding: a site whose name resolves to 127.0.0.1 can read the answers, but its requests
 *   carry its own name in `Host`.
 */
export interface RequestGuardOptions {
  /**
   * Origins (`scheme://host[:port]`) whose browser pages may call the endpoint, e.g. a local web
   * app at `http://localhost:3000`; `'*'` allows every origin. Requests without `Origin` (SDKs, the
   * AWS CLI, curl) are never affected.
   * @default none: only the endpoint's own origin
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * Host names accepted in the `Host` header besides loopback ones (`localhost`, `*.localhost`,
   * `127.0.0.0/8`, `[::1]`), e.g. a name that a container uses for the host. A leading `*.` also
   * accepts every subdomain.
   * @default none
   */
  readonly allowedHosts?: readonly string[];
}

export type GuardVerdict =
  | { readonly ok: true; readonly allowOrigin?: string }
  | { readonly ok: false; readonly message: string };

/** `Host` without its port; IPv6 literals lose their brackets. Lower case. */
export function hostName(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || name === '0:0:0:0:0:0:0:1' || name === '::ffff:127.0.0.1';
  return false;
}

function matchesAllowed(name: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const pattern = hostName(entry);
    if (pattern.startsWith('*.')) return name.endsWith(pattern.slice(1));
    return name === pattern;
  });
}

/**
 * A loopback host name, or one the user allowed. The SDKs prefix the endpoint's host with `sync-`
 * for Step Functions' StartSyncExecution (its host prefix), so that prefix is looked through.
 */
export function isAcceptedHost(hostHeader: string, allowedHosts: readonly string[] = []): boolean {
  const name = hostName(hostHeader);
  const candidates = name.startsWith('sync-') ? [name, name.slice('sync-'.length)] : [name];
  return candidates.some((candidate) => isLoopbackName(candidate) || matchesAllowed(candidate, allowedHosts));
}

function normalizeOrigin(origin: string): string {
  try {
    const url = new URL(origin);
    return `${url.protocol}//${url.host}`;
  } catch {
    return origin.trim().toLowerCase();
  }
}

/** Decides whether a request may be served, before its body is read. */
export function checkRequest(
  headers: { host?: string | undefined; origin?: string | undefined },
  options: RequestGuardOptions,
): GuardVerdict {
  const { host, origin } = headers;
  // HTTP/1.0 clients may omit Host; a browser never does.
  if (host !== undefined && !isAcceptedHost(host, options.allowedHosts)) {
    return {
      ok: false,
      message:
        `The stepsaga local endpoint refuses requests for host "${host}": it answers only loopback names ` +
        '(localhost, *.localhost, 127.0.0.1, [::1]) so that a web site that resolves to 127.0.0.1 cannot reach it. ' +
        `To accept this name, start it with --allow-host ${hostName(host)} (allowedHosts).`,
    };
  }
  if (origin === undefined) return { ok: true };
  const allowed = options.allowedOrigins ?? [];
  const normalized = normalizeOrigin(origin);
  const own = host !== undefined && normalized === `http://${host.trim().toLowerCase()}`;
  if (own || allowed.includes('*') || allowed.some((entry) => normalizeOrigin(entry) === normalized)) {
    return { ok: true, allowOrigin: origin };
  }
  return {
    ok: false,
    message:
      `The stepsaga local endpoint refuses cross-origin requests from a web page (Origin "${origin}"): ` +
      'any site open in a browser could otherwise call it. ' +
      `To allow this origin, start it with --allow-origin ${normalized} (allowedOrigins).`,
  };
}
