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
