import type { Invoice } from './invoice.js';

/**
 * The accounting ledger's answer could not be had: a timeout, a dropped connection or a 5xx. The
 * request may or may not have taken effect.
 */
export class LedgerUnavailableError extends Error {
  override readonly name = 'LedgerUnavailableError';
}

export type PostOutcome =
  | { readonly kind: 'posted' }
  /** The ledger refused the invoice (4xx): it is certainly not posted. */
  | { readonly kind: 'rejected'; readonly reason: string };

/** What the ledger knows about an invoice id. */
export type LedgerRecord = 'posted' | 'voided' | 'absent';

export interface LedgerClient {
  /** `PUT /invoices/{id}`: idempotent per invoice id. */
  post(invoice: Invoice): Promise<PostOutcome>;
  /** `GET /invoices/{id}`. */
  find(invoiceId: string): Promise<LedgerRecord>;
  /**
   * `POST /invoices/{id}/void`: marks an invoice id the ledger does not have as void, so that a late
   * post of it is refused. Answers what the id is afterwards: `voided`, or `posted` if it already was.
   */
  voidIfAbsent(invoiceId: string): Promise<Exclude<LedgerRecord, 'absent'>>;
}

async function send(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause =
      (error as Error).cause instanceof Error ? `: ${((error as Error).cause as Error).message}` : '';
    throw new LedgerUnavailableError(
      `${init.method ?? 'GET'} ${url} failed: ${(error as Error).message}${cause}`,
    );
  }
}

async function unavailable(response: Response, method: string, url: string): Promise<LedgerUnavailableError> {
  const body = await response.text().catch(() => '');
  return new LedgerUnavailableError(
    `${method} ${url} answered HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`,
  );
}

async function statusIn(response: Response): Promise<string | undefined> {
  const body = (await response.json().catch(() => undefined)) as { status?: unknown } | undefined;
  return typeof body?.status === 'string' ? body.status : undefined;
}

/** An HTTP client of the ledger at `baseUrl`; every call gives up after `timeoutMs`. */
export function ledgerClient(baseUrl: string, timeoutMs: number): LedgerClient {
  const invoiceUrl = (invoiceId: string) =>
    `${baseUrl.replace(/\/$/, '')}/invoices/${encodeURIComponent(invoiceId)}`;
  return {
    async post(invoice) {
      const url = invoiceUrl(invoice.invoiceId);
      const response = await send(
        url,
        { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(invoice) },
        timeoutMs,
      );
      if (response.ok) return { kind: 'posted' };
      if (response.status >= 400 && response.status < 500) {
        const body = (await response.json().catch(() => ({}))) as { error?: unknown };
        const reason = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
        return { kind: 'rejected', reason: `The ledger refused invoice ${invoice.invoiceId}: ${reason}` };
      }
      throw await unavailable(response, 'PUT', url);
    },
    async find(invoiceId) {
      const url = invoiceUrl(invoiceId);
      const response = await send(url, { method: 'GET' }, timeoutMs);
      if (response.status === 404) return 'absent';
      if (!response.ok) throw await unavailable(response, 'GET', url);
      return (await statusIn(response)) === 'voided' ? 'voided' : 'posted';
    },
    async voidIfAbsent(invoiceId) {
      const url = `${invoiceUrl(invoiceId)}/void`;
      const response = await send(url, { method: 'POST' }, timeoutMs);
      if (response.status === 409 && (await statusIn(response)) === 'posted') return 'posted';
      if (!response.ok) throw await unavailable(response, 'POST', url);
      return 'voided';
    },
  };
}
