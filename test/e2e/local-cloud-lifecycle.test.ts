import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { listeningAddresses } from '../support/sockets.js';

/** Every descendant of `pid`, from the kernel's process tables (Linux). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  const visit = (parent: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      return;
    }
    for (const task of tasks) {
      let children = '';
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
      } catch {}
      for (const child of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

const commandLine = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
};

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie has exited; only its parent's wait is missing.
  return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
};

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('the local cloud process lifecycle', () => {
  it('leaves no DynamoDB Local JVM behind when `stepsaga local up` is killed with SIGKILL', async () => {
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'infra/local/cli/main.ts',
        'local',
        'up',
        '--app',
        'test/e2e/fixtures/tiny-app.ts',
        '--port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stderr?.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const [endpoint, consoleUrl] = await new Promise<[string, string]>((resolve, reject) => {
      child?.stdout?.on('data', (c: Buffer) => {
        output += c.toString();
        // The ready banner names the endpoint, then the console on the same port.
        const match = /Endpoint: (http:\/\/\S+)[\s\S]*Console: +(http:\/\/\S+)/.exec(output);
        if (match?.[1] && match[2]) resolve([match[1], match[2]]);
      });
      child?.once('exit', (code) => reject(new Error(`local up exited with ${code}:\n${output}`)));
    });
    expect(consoleUrl).toBe(`${endpoint}/_console/`);
    const consolePage = await fetch(consoleUrl);
    expect(consolePage.status).toBe(200);
    expect(await consolePage.text()).toContain('<title>stepsaga local console</title>');
    // Without --persist the banner says that stopping loses everything.
    expect(output).toContain(
      'State: in memory (stopping the local cloud loses tables, queues and executions',
    );
    const cli = child.pid as number;
    const jvms = descendants(cli).filter((pid) => commandLine(pid).includes('DynamoDBLocal'));
    expect(jvms, output).toHaveLength(1);
    const jvm = jvms[0] as number;
    const dynamoPort = Number(/-port (\d+)/.exec(commandLine(jvm))?.[1]);
    expect(listeningAddresses(dynamoPort)).toEqual(['127.0.0.1']);

    child.kill('SIGKILL');
    const deadline = Date.now() + 20_000;
    // A JVM with many threads takes a moment to exit: its port is released once every thread has.
    while ((alive(jvm) || listeningAddresses(dynamoPort).length > 0) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(alive(jvm), `DynamoDB Local (pid ${jvm}) outlived the cloud`).toBe(false);
    expect(listeningAddresses(dynamoPort)).toEqual([]);
    expect(listeningAddresses(Number(new URL(endpoint).port))).toEqual([]);
  });
});

/** Processes whose environment carries `marker` (the JVM inherits the CLI's environment). */
function processesMarked(marker: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker) && alive(pid);
      } catch {
        return false;
      }
    });
}

describe('DynamoDB Local started ahead of the cloud', () => {
  it('leaves no JVM behind when `local up` refuses the app after starting it early', async () => {
    const marker = `STEPSAGA_LIFECYCLE_MARK=${process.pid}-${Date.now()}`;
    const [name, value] = marker.split('=') as [string, string];
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'infra/local/cli/main.ts', 'local', 'up', '--app', 'no-such-app.ts', '--port', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, [name]: value } },
    );
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (c: Buffer) => (output += c));
    const code = await new Promise<number | null>((resolve) => child?.once('exit', resolve));
    expect(code, output).toBe(2);
    expect(output).toContain('The app entry "no-such-app.ts" does not exist');
    const deadline = Date.now() + 20_000;
    while (processesMarked(marker).length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(processesMarked(marker), 'a DynamoDB Local outlived the refused start').toEqual([]);
  });

  it('is refused with persist, and stopped', async () => {
    const { startDynamoDbLocal } = await import('../../infra/local/dynamodb-local.js');
    const { startLocalCloud } = await import('../../infra/local/index.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dynamo = await startDynamoDbLocal();
    const dir = mkdtempSync(join(tmpdir(), 'stepsaga-handover-'));
    try {
      await expect(
        startLocalCloud({ app: dir, persist: dir, dynamoDbLocal: Promise.resolve(dynamo) }),
      ).rejects.toThrow(
        'dynamoDbLocal cannot be combined with persist: a persisted cloud starts DynamoDB Local on its own folder',
      );
      const deadline = Date.now() + 20_000;
      while (alive(dynamo.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(alive(dynamo.pid)).toBe(false);
    } finally {
      await dynamo.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
