import { Journal } from './journal.js';

interface CheckpointRecord {
  /** The event source mapping (stack and logical id: its UUID changes on every start). */
  readonly mapping: string;
  readonly shard: string;
  /** The last sequence number whose batch the function processed. */
  readonly seq: string;
}

/**
 * How far each DynamoDB stream event source mapping got in each shard, so that a restarted cloud
 * reads on from there instead of from the start of the stream (which would deliver every record
 * again) or its end (which would skip records written while the function was down). A batch is
 * checkpointed after the function processed it: one in flight at a crash is delivered again, as
 * Lambda's own poller does after a failure.
 */
export class StreamCheckpoints {
  private readonly positions = new Map<string, string>();

  private constructor(private readonly journal: Journal<CheckpointRecord>) {}

  static open(path: string): StreamCheckpoints {
    const { journal, records } = Journal.open<CheckpointRecord>(path);
    const store = new StreamCheckpoints(journal);
    for (const r of records) store.positions.set(`${r.mapping}\n${r.shard}`, r.seq);
    journal.rewrite(
      [...store.positions].map(([key, seq]) => {
        const [mapping = '', shard = ''] = key.split('\n');
        return { mapping, shard, seq };
      }),
    );
    return store;
  }

  get(mapping: string, shard: string): string | undefined {
    return this.positions.get(`${mapping}\n${shard}`);
  }

  set(mapping: string, shard: string, seq: string): void {
    this.positions.set(`${mapping}\n${shard}`, seq);
    this.journal.append({ mapping, shard, seq });
  }

  close(): void {
    this.journal.close();
  }
}
