import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../dynamodb-local.js';

/**
 * The SQS emulator's own persistence (fauxqs, `dataDir`): every queue, message and receive is
 * written to SQLite (WAL) before the request is answered, and a restart puts messages that were in
 * flight back once their visibility timeout has passed, as SQS does. It stores each queue's URL,
 * port included, and answers GetQueueUrl and ReceiveMessage with it; the emulator gets a new port
 * on every start, so the stored URLs are moved to it before the emulator reads them.
 */
export async function sqsEmulatorPersistence(sqsDir: string): Promise<{ port: number; dataDir: string }> {
  const port = await freePort();
  const path = join(sqsDir, 'fauxqs.db');
  if (existsSync(path)) {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(path);
    try {
      const rows = db.prepare('SELECT name, url FROM sqs_queues').all() as Array<{
        name: string;
        url: string;
      }>;
      const update = db.prepare('UPDATE sqs_queues SET url = ? WHERE name = ?');
      for (const row of rows) {
        const url = new URL(row.url);
        url.port = String(port);
        update.run(url.href, row.name);
      }
    } finally {
      db.close();
    }
  }
  return { port, dataDir: sqsDir };
}
