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
    return await import('fauxqs');
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
    }
    return Reflect.apply(listen, this, args);
  } as typeof listen;
  try {
    return await startFauxqs(options);
  } finally {
    Server.prototype.listen = listen;
  }
}
