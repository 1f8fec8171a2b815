import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalCloudPersistError } from '../errors.js';
import { isSqliteExperimentalWarning } from '../sqs-emulator-module.js';
import { Journal } from './journal.js';

/** Bumped when a folder written by this version cannot be read by the previous one, or the reverse. */
export const PERSIST_FORMAT = 1;
const MARKER = 'stepsaga-local-cloud.json';
const LOCK = 'local-cloud.lock';

/** Where each engine keeps its state inside a `--persist` folder. */
export interface PersistDir {
  readonly root: string;
  /** DynamoDB Local's `-dbPath`. */
  readonly dynamoDbDir: string;
  /** The SQS emulator's SQLite folder. */
  readonly sqsDir: string;
  /** Step Functions executions: starts, history events, task tokens. */
  readonly executionsJournal: string;
  /** How far each DynamoDB stream event source mapping has processed each shard. */
  readonly streamsJournal: string;
  /** The folder was empty: nothing to restore. */
  readonly fresh: boolean;
  /** Removes the lock, so that another local cloud may use the folder. */
  release(): void;
}

interface LockContent {
  readonly pid: number;
  readonly startedAt: string;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockContent | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockContent>;
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, startedAt: String(parsed.startedAt) }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the folder's lock: a file created exclusively, holding this process's id. A lock left by a
 * process that no longer runs (killed, crashed) is taken over; one held by a live process is refused.
 */
function lock(root: string): () => void {
  const path = join(root, LOCK);
  const content = JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, content);
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        if (readLock(path)?.pid === process.pid) rmSync(path, { force: true });
      };
      process.on('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(path);
      if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new LocalCloudPersistError(
          `${root} is in use by another local cloud (process ${holder.pid}, started ${holder.startedAt}). ` +
            'Stop that one first (Ctrl-C), or pass another folder to --persist.',
        );
      }
      if (holder?.pid === process.pid) {
        throw new LocalCloudPersistError(
          `${root} is already in use by a local cloud of this process. Stop it before starting another on the same folder.`,
        );
      }
      // Left by a process that ended without removing it.
      rmSync(path, { force: true });
    }
  }
  throw new LocalCloudPersistError(`Could not take the lock ${path}: another process keeps creating it.`);
}

/** Runs `fn` with Node's one-time "SQLite is an experimental feature" warning held back. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(this: unknown, warning: unknown, ...rest: unknown[]) {
    if (isSqliteExperimentalWarning(warning, rest[0])) return;
    return Reflect.apply(emitWarning, process, [warning, ...rest]);
  } as typeof process.emitWarning;
  try {
    return await fn();
  } finally {
    process.emitWarning = emitWarning;
  }
}

/** A damaged SQLite file (DynamoDB Local's, the SQS emulator's) is refused before any engine opens it. */
async function checkSqlite(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const { DatabaseSync } = await quietly(() => import('node:sqlite'));
  let problem: string | undefined;
  try {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const rows = db.prepare('PRAGMA quick_check').all() as Array<Record<string, unknown>>;
      const verdicts = rows.map((row) => String(Object.values(row)[0]));
      if (verdicts.join() !== 'ok') problem = verdicts.slice(0, 3).join('; ');
    } finally {
      db.close();
    }
  } catch (error) {
    problem = (error as Error).message;
  }
  if (problem !== undefined) {
    throw new LocalCloudPersistError(
      `${path} is damaged (${problem}). Restore the folder from a copy, or delete it to start empty.`,
    );
  }
}

/**
 * Opens (creating if needed) the folder a local cloud persists to: takes its lock, then checks that
 * it is a folder of this format and that every file in it can be read, before anything is started
 * or written, so that a refused folder is left exactly as it was.
 */
export async function openPersistDir(dir: string): Promise<PersistDir> {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  const release = lock(root);
  try {
    const markerPath = join(root, MARKER);
    const entries = readdirSync(root).filter((name) => name !== LOCK);
    const fresh = entries.length === 0;
    if (!fresh) {
      if (!entries.includes(MARKER)) {
        throw new LocalCloudPersistError(
          `${root} is not empty and was not written by a stepsaga local cloud (no ${MARKER}): ` +
            `found ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', ...' : ''}. Pass an empty or new folder to --persist.`,
        );
      }
      let format: unknown;
      try {
        format = (JSON.parse(readFileSync(markerPath, 'utf8')) as { format?: unknown }).format;
      } catch (error) {
        throw new LocalCloudPersistError(`${markerPath} is damaged: ${(error as Error).message}`);
      }
      if (format !== PERSIST_FORMAT) {
        throw new LocalCloudPersistError(
          `${root} holds a local cloud of format ${JSON.stringify(format)}, and this version of stepsaga reads format ${PERSIST_FORMAT}. ` +
            'Use the stepsaga version that wrote it, or delete the folder to start empty.',
        );
      }
    }
    const persist: PersistDir = {
      root,
      dynamoDbDir: join(root, 'dynamodb'),
      sqsDir: join(root, 'sqs'),
      executionsJournal: join(root, 'stepfunctions-executions.jsonl'),
      streamsJournal: join(root, 'stream-checkpoints.jsonl'),
      fresh,
      release,
    };
    Journal.read(persist.executionsJournal);
    Journal.read(persist.streamsJournal);
    await checkSqlite(join(persist.dynamoDbDir, 'shared-local-instance.db'));
    await checkSqlite(join(persist.sqsDir, 'fauxqs.db'));
    if (fresh)
      writeFileSync(markerPath, `${JSON.stringify({ format: PERSIST_FORMAT, createdBy: 'stepsaga' })}\n`);
    mkdirSync(persist.dynamoDbDir, { recursive: true });
    mkdirSync(persist.sqsDir, { recursive: true });
    return persist;
  } catch (error) {
    release();
    throw error;
  }
}
