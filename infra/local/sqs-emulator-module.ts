import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkRequest } from './gateway/request-guard.js';
/**
 * Message bodies SQS refuses: anything outside #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
 * #x10000-#x10FFFF. Matched by code point (`u`), so a well-formed surrogate pair (an emoji) passes
 * and a lone surrogate does not.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: SQS's allowed set starts with tab, LF and CR.
export const SQS_INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/**
 * fauxqs checks bodies against a pattern without the `u` flag that leaves out #x10000-#x10FFFF, so
 * it refuses every emoji SQS accepts. Its actions share one exported RegExp; giving that instance
 * SQS's `test` fixes every path (SendMessage, SendMessageBatch, the library's sendMessage) without
 * touching node_modules, and survives reinstalls. Returns false when the emulator no longer has
 * that pattern (then it is left alone; the emoji test tells whether a newer version still needs this).
 */
export async function allowSupplementaryCharacters(emulatorEntryUrl: string): Promise<boolean> {
  let types: { INVALID_MESSAGE_BODY_CHAR?: unknown };
  try {
    types = (await import(new URL('./sqs/sqsTypes.js', emulatorEntryUrl).href)) as typeof types;
  } catch {
    return false;
  }
  const pattern = types.INVALID_MESSAGE_BODY_CHAR;
  if (!(pattern instanceof RegExp)) return false;
  if (!pattern.test('\u{1F600}')) return true;
  Object.defineProperty(pattern, 'test', {
    value: (body: string) => SQS_INVALID_BODY_CHARACTER.test(body),
    configurable: true,
  });
  return true;
}

/**
 * Loads the SQS emulator. fauxqs imports `node:sqlite` for optional queue persistence, which makes
 * Node print "SQLite is an experimental feature" on every local cloud start; the local cloud never
 * persists queues, so that one warning only alarms users. Every other warning still reaches Node.
 */
export async function importSqsEmulator(): Promise<typeof import('fauxqs')> {
  const emitWarning = process.emitWarning;
  process.emitWarning = function filteredEmitWarning(this: unknown, warning: unknown, ...rest: unknown[]) {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    return Reflect.apply(emitWarning, process, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    const emulator = await import('fauxqs');
    await allowSupplementaryCharacters(import.meta.resolve('fauxqs'));
    return emulator;
  } finally {
    process.emitWarning = emitWarning;
  }
}

export function isSqliteExperimentalWarning(warning: unknown, typeOrOptions: unknown): boolean {
  const message = warning instanceof Error ? warning.message : String(warning);
  const type =
    warning instanceof Error
      ? warning.name
      : typeof typeOrOptions === 'string'
        ? typeOrOptions
        : typeof typeOrOptions === 'object' && typeOrOptions !== null && 'type' in typeOrOptions
          ? String(typeOrOptions.type)
          : 'Warning';
  return type === 'ExperimentalWarning' && message.startsWith('SQLite is an experimental feature');
}

/**
 * On loopback the emulator is still reachable from web pages in the user's browser: a form POST
 * needs no CORS preflight, and a DNS-rebinding site can also read answers. The same rule as the
 * gateway's applies to every request before fauxqs sees it: loopback `Host`, no foreign `Origin`.
 */
function guardRequests(server: import('node:net').Server): void {
  const emit = server.emit;
  server.emit = function guardedEmit(this: unknown, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [IncomingMessage, ServerResponse];
      const verdict = checkRequest({ host: req.headers.host, origin: req.headers.origin }, {});
      if (!verdict.ok) {
        const body = JSON.stringify({ __type: 'com.amazonaws.sqs#AccessDenied', message: verdict.message });
        res.writeHead(403, {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': 'AccessDenied;Sender',
          connection: 'close',
          'content-length': String(Buffer.byteLength(body)),
        });
        res.end(body);
        req.resume();
        return true;
      }
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as typeof server.emit;
}

type StartFauxqs = typeof import('fauxqs')['startFauxqs'];
type FauxqsOptions = NonNullable<Parameters<StartFauxqs>[0]>;

/**
 * Starts the SQS emulator on 127.0.0.1. fauxqs always listens on `0.0.0.0` (its `host` option only
 * names the host in queue URLs), which would let anyone on the network read and send messages. Its
 * one `listen` call is redirected to loopback while it starts; a listen on any other address in
 * that window (none in the local cloud) is left alone.
 */
export async function startSqsEmulatorOnLoopback(
  startFauxqs: StartFauxqs,
  options: FauxqsOptions,
): Promise<import('fauxqs').FauxqsServer> {
  const { Server } = await import('node:net');
  const listen = Server.prototype.listen;
  Server.prototype.listen = function loopbackListen(this: InstanceType<typeof Server>, ...args: unknown[]) {
    const [first] = args;
    if (first && typeof first === 'object' && (first as { host?: unknown }).host === '0.0.0.0') {
      args[0] = { ...(first as object), host: '127.0.0.1' };
      guardRequests(this);
    }
    return Reflect.apply(listen, this, args);
  } as typeof listen;
  try {
    return await startFauxqs(options);
  } finally {
    Server.prototype.listen = listen;
  }
}
