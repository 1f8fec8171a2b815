import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { Server } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  importSqsEmulator,
  isSqliteExperimentalWarning,
  startSqsEmulatorOnLoopback,
} from '../../infra/local/sqs-emulator-module.js';
import { listeningAddresses } from '../support/sockets.js';

const run = promisify(execFile);

describe('loading the SQS emulator', () => {
  it('recognizes only Node’s SQLite experimental warning, in every form emitWarning takes', () => {
    const sqlite = 'SQLite is an experimental feature and might change at any time';
    expect(isSqliteExperimentalWarning(sqlite, 'ExperimentalWarning')).toBe(true);
    expect(isSqliteExperimentalWarning(sqlite, { type: 'ExperimentalWarning' })).toBe(true);
    const asError = Object.assign(new Error(sqlite), { name: 'ExperimentalWarning' });
    expect(isSqliteExperimentalWarning(asError, undefined)).toBe(true);

    expect(isSqliteExperimentalWarning(sqlite, undefined)).toBe(false);
    expect(isSqliteExperimentalWarning(sqlite, 'DeprecationWarning')).toBe(false);
    expect(isSqliteExperimentalWarning('VM Modules is an experimental feature', 'ExperimentalWarning')).toBe(
      false,
    );
  });

  it('prints no SQLite warning in a fresh process, keeps other warnings and restores emitWarning', async () => {
    const script = `
      const { importSqsEmulator } = await import('./infra/local/sqs-emulator-module.ts');
      const before = process.emitWarning;
      const loading = importSqsEmulator();
      process.emitWarning('still reported', 'ExperimentalWarning');
      const { startFauxqs } = await loading;
      console.log(JSON.stringify({ restored: process.emitWarning === before, start: typeof startFauxqs }));
    `;
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(stdout.trim())).toEqual({ restored: true, start: 'function' });
    expect(stderr).toContain('ExperimentalWarning: still reported');
    expect(stderr).not.toContain('SQLite');
  });

  it('listens on 127.0.0.1 only (fauxqs itself binds 0.0.0.0) and restores net.Server#listen', async () => {
    const listen = Server.prototype.listen;
    const { startFauxqs } = await importSqsEmulator();
    const server = await startSqsEmulatorOnLoopback(startFauxqs, { port: 0, logger: false });
    try {
      expect(Server.prototype.listen).toBe(listen);
      expect(listeningAddresses(server.port)).toEqual(['127.0.0.1']);
      expect(server.createQueue('loopback-q').queueUrl).toBe(
        `http://sqs.us-east-1.localhost:${server.port}/000000000000/loopback-q`,
      );
      const send = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const req = request(
            `http://127.0.0.1:${server.port}/`,
            {
              method: 'POST',
              headers: {
                'content-type': 'application/x-amz-json-1.0',
                'x-amz-target': 'AmazonSQS.SendMessage',
                ...headers,
              },
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', reject);
          req.end(
            JSON.stringify({
              QueueUrl: `http://127.0.0.1:${server.port}/000000000000/loopback-q`,
              MessageBody: 'from a page',
            }),
          );
        });
      // A web page, and a DNS-rebinding site: refused before the emulator sees them.
      expect(await send({ origin: 'http://evil.example' })).toBe(403);
      expect(await send({ host: `rebind.evil.example:${server.port}` })).toBe(403);
      expect(server.inspectQueue('loopback-q')?.messages.ready).toHaveLength(0);
      // The same post from a local client (no Origin, loopback Host) reaches the emulator.
      expect(await send({})).toBe(200);
      expect(server.inspectQueue('loopback-q')?.messages.ready).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });
});
