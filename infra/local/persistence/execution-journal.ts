import { createHash } from 'node:crypto';
import type { HistoryEvent } from '../stepfunctions/history.js';
import { Journal } from './journal.js';

/** What the Step Functions service tells a persistent store about its Standard executions. */
export interface ExecutionRecorder {
  /** Before StartExecution answers: the execution must survive from then on. */
  started(execution: PersistedExecutionStart): void;
  /** Each history event, as it is added. */
  event(executionArn: string, event: HistoryEvent): void;
  /** A task token issued for `$$.Task.Token`, after `afterEvent` events of the history. */
  token(executionArn: string, token: string, afterEvent: number): void;
}

export interface PersistedExecutionStart {
  readonly arn: string;
  readonly name: string;
  readonly machineArn: string;
  /** The definition the execution started with: it keeps it, whatever the app deploys later. */
  readonly definition: string;
  readonly input: string;
  readonly startDate: number;
}

/** An execution read back from the journal: how it started, its history, its task tokens. */
export interface RestoredExecution extends PersistedExecutionStart {
  readonly events: HistoryEvent[];
  readonly tokens: Array<{ readonly token: string; readonly afterEvent: number }>;
}

type Record_ =
  | { readonly t: 'definition'; readonly hash: string; readonly definition: string }
  | ({ readonly t: 'start'; readonly definitionHash: string } & Omit<PersistedExecutionStart, 'definition'>)
  | { readonly t: 'event'; readonly arn: string; readonly event: HistoryEvent }
  | { readonly t: 'token'; readonly arn: string; readonly token: string; readonly afterEvent: number };

const hashOf = (definition: string) => createHash('sha256').update(definition).digest('hex').slice(0, 32);

const TERMINAL = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimedOut']);

/**
 * Step Functions executions in an append-only journal: a start record (flushed to disk before
 * StartExecution answers), then each history event and each task token as it happens. Definitions
 * are written once and referred to by hash. Opening the journal compacts it: tokens of executions
 * that ended are dropped.
 */
export class ExecutionJournal implements ExecutionRecorder {
  private readonly definitions = new Set<string>();

  private constructor(private readonly journal: Journal<Record_>) {}

  static open(path: string): { journal: ExecutionJournal; restored: RestoredExecution[] } {
    const { journal, records } = Journal.open<Record_>(path);
    const definitions = new Map<string, string>();
    const executions = new Map<string, RestoredExecution>();
    for (const record of records) {
      switch (record.t) {
        case 'definition':
          definitions.set(record.hash, record.definition);
          break;
        case 'start': {
          const { t: _t, definitionHash, ...start } = record;
          executions.set(record.arn, {
            ...start,
            definition: definitions.get(definitionHash) ?? '',
            events: [],
            tokens: [],
          });
          break;
        }
        case 'event':
          executions.get(record.arn)?.events.push(record.event);
          break;
        case 'token':
          executions.get(record.arn)?.tokens.push({ token: record.token, afterEvent: record.afterEvent });
          break;
      }
    }
    // A token of an execution that ended can never be used again.
    const restored = [...executions.values()]
      .filter((e) => e.definition !== '')
      .map((e) => (TERMINAL.has(e.events.at(-1)?.type ?? '') ? { ...e, tokens: [] } : e));
    const store = new ExecutionJournal(journal);
    journal.rewrite(store.compacted(restored));
    return { journal: store, restored };
  }

  private compacted(executions: readonly RestoredExecution[]): Record_[] {
    const records: Record_[] = [];
    for (const e of executions) {
      const { events, tokens, definition, ...start } = e;
      const hash = hashOf(definition);
      if (!this.definitions.has(hash)) {
        this.definitions.add(hash);
        records.push({ t: 'definition', hash, definition });
      }
      records.push({ t: 'start', definitionHash: hash, ...start });
      for (const event of events) records.push({ t: 'event', arn: e.arn, event });
      for (const token of tokens) records.push({ t: 'token', arn: e.arn, ...token });
    }
    return records;
  }

  started(execution: PersistedExecutionStart): void {
    const { definition, ...start } = execution;
    const hash = hashOf(definition);
    if (!this.definitions.has(hash)) {
      this.definitions.add(hash);
      this.journal.append({ t: 'definition', hash, definition });
    }
    this.journal.append({ t: 'start', definitionHash: hash, ...start }, true);
  }

  event(executionArn: string, event: HistoryEvent): void {
    // An execution's end is what its caller polls for: flushed like its start.
    this.journal.append({ t: 'event', arn: executionArn, event }, TERMINAL.has(event.type));
  }

  token(executionArn: string, token: string, afterEvent: number): void {
    this.journal.append({ t: 'token', arn: executionArn, token, afterEvent }, true);
  }

  close(): void {
    this.journal.close();
  }
}
