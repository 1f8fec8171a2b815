import {
  closeSync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { LocalCloudPersistError } from '../errors.js';

/**
 * An append-only file of JSON records, one a line. A record is written with one `write` before the
 * operation it describes is acknowledged, so a killed process (SIGKILL) loses none of them: the
 * kernel holds what was written. `sync` records are also flushed to the disk (`fdatasync`), for
 * the points where a machine crash must not lose what a caller was told (an execution started).
 *
 * A crash can leave a last line half written; reading drops it (it was never acknowledged) and
 * cuts the file there. A bad line anywhere else means the file was damaged, and reading refuses it.
 */
export class Journal<R> {
  private fd: number | undefined;

  private constructor(
    private readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
  }

  /** Reads every record of the file (created if missing) and opens it for appending. */
  static open<R>(path: string): { journal: Journal<R>; records: R[] } {
    const { records, validBytes, totalBytes } = Journal.parse<R>(path);
    const fd = openSync(path, 'a');
    if (validBytes < totalBytes) ftruncateSync(fd, validBytes);
    return { journal: new Journal<R>(path, fd), records };
  }

  /** The records of a journal file, without opening it for writing; a missing file has none. */
  static read<R>(path: string): R[] {
    return Journal.parse<R>(path).records;
  }

  private static parse<R>(path: string): { records: R[]; validBytes: number; totalBytes: number } {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return { records: [], validBytes: 0, totalBytes: 0 };
      throw error;
    }
    // The part after the last newline was being written when the process died.
    const validBytes = bytes.lastIndexOf(0x0a) + 1;
    const lines = bytes.subarray(0, validBytes).toString('utf8').split('\n');
    lines.pop();
    const records = lines.map((line, index) => {
      try {
        return JSON.parse(line) as R;
      } catch {
        throw new LocalCloudPersistError(
          `${path} is damaged: line ${index + 1} is not a JSON record (${JSON.stringify(line.slice(0, 80))}). ` +
            'Restore the folder from a copy, or delete it to start empty.',
        );
      }
    });
    return { records, validBytes, totalBytes: bytes.length };
  }

  append(record: R, sync = false): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    if (sync) fdatasyncSync(this.fd);
  }

  /**
   * Replaces the file with `records` (written to a new file, flushed, then renamed over the old
   * one), so that it holds what is still needed instead of every change ever made.
   */
  rewrite(records: readonly R[]): void {
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, 'w');
    try {
      const text = records.map((r) => `${JSON.stringify(r)}\n`).join('');
      if (text) writeSync(fd, text);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
  }

  /** Later appends are dropped: what a stopping cloud does to its executions is not recorded. */
  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
