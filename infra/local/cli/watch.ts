import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Folders a change in which never calls for a new synthesis: dependencies and build output. */
export const IGNORED_FOLDERS: readonly string[] = [
  'node_modules',
  'cdk.out',
  '.stepsaga',
  '.git',
  'dist',
  'coverage',
  'test-artifacts',
];

export interface SourceWatcherOptions {
  /** Quiet time after the last change before `onChange` runs. @default 300 */
  readonly debounceMs?: number;
  /** Folder names skipped at any depth. @default IGNORED_FOLDERS */
  readonly ignore?: readonly string[];
}

export interface SourceWatcher {
  close(): void;
}

/**
 * Watches a project's source tree, as `cdk watch` does, and calls `onChange` with the changed
 * files (relative to `root`) once changes stop for `debounceMs`. Calls never overlap: changes made
 * while one runs are collected for the next. Each folder is watched on its own (skipping ignored
 * ones), rather than with `recursive`, which on Linux would first walk and watch node_modules.
 */
export function watchSources(
  root: string,
  onChange: (changed: readonly string[]) => Promise<void> | void,
  options: SourceWatcherOptions = {},
): SourceWatcher {
  const debounceMs = options.debounceMs ?? 300;
  const ignored = new Set(options.ignore ?? IGNORED_FOLDERS);
  const watchers = new Map<string, FSWatcher>();
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  const isIgnored = (path: string) =>
    relative(root, path)
      .split(sep)
      .some((part) => ignored.has(part));

  const flush = () => {
    timer = undefined;
    if (closed || pending.size === 0) return;
    if (running) return; // picked up when the running call ends
    const changed = [...pending].sort();
    pending.clear();
    running = Promise.resolve()
      .then(() => onChange(changed))
      .catch(() => {})
      .finally(() => {
        running = undefined;
        if (pending.size > 0) schedule();
      });
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };

  const watchFolder = (folder: string) => {
    if (closed || watchers.has(folder) || isIgnored(folder)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, (_event, name) => {
        if (!name) return;
        const path = join(folder, name.toString());
        if (isIgnored(path)) return;
        // A new folder gets its own watcher (and whatever was written into it already counts).
        if (isFolder(path)) {
          if (!watchers.has(path)) {
            watchFolder(path);
            pending.add(relative(root, path));
            schedule();
          }
          return;
        }
        pending.add(relative(root, path));
        schedule();
      });
    } catch {
      return; // removed meanwhile, or unreadable
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(folder);
    });
    watchers.set(folder, watcher);
    let entries: string[] = [];
    try {
      entries = readdirSync(folder, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {}
    for (const entry of entries) watchFolder(join(folder, entry));
  };
  watchFolder(root);

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
