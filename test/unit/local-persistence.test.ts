import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalCloudPersistError } from '../../infra/local/errors.js';
import { ExecutionJournal } from '../../infra/local/persistence/execution-journal.js';
import { Journal } from '../../infra/local/persistence/journal.js';
import { openPersistDir } from '../../infra/local/persistence/persist-dir.js';
import type { HistoryEvent } from '../../infra/local/stepfunctions/history.js';
import { resumePlan, statusFromHistory } from '../../infra/local/stepfunctions/resume.js';

const folders: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'stepsaga-persist-unit-'));
  folders.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let nextId = 1;
const event = (type: string, timestamp: number, details: Record<string, unknown> = {}): HistoryEvent => {
  const id = nextId++;
  return { id, previousEventId: id - 1, timestamp, type, ...details };
};
const entered = (name: string, input: unknown, at: number) =>
  event('TaskStateEntered', at, { stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
const exited = (name: string, output: unknown, at: number) =>
  event('TaskStateExited', at, { stateExitedEventDetails: { name, output: JSON.stringify(output) } });

const machine = {
  StartAt: 'Reserve',
  States: {
    Reserve: { Type: 'Task', Resource: 'r', Next: 'Pause' },
    Pause: { Type: 'Wait', Seconds: 60, Next: 'Approve' },
    Approve: { Type: 'Task', Resource: 'r', Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

describe('resuming a running execution after a restart', () => {
  it('reruns the task that was in flight with the input it entered with', () => {
    nextId = 1;
    const events = [event('ExecutionStarted', 100), entered('Reserve', { a: 1 }, 101)];
    const plan = resumePlan(events, machine, { a: 0 }, [], 200_000);
    expect(plan.definition.StartAt).toBe('Reserve');
    expect(plan.input).toEqual({ a: 1 });
    expect(plan.token).toBeUndefined();
  });

  it('goes on at the Next of a state that had exited, and a Wait waits only what was left of it', () => {
    nextId = 1;
    const exitedOnly = [
      event('ExecutionStarted', 100),
      entered('Reserve', {}, 101),
      exited('Reserve', { r: 1 }, 102),
    ];
    const next = resumePlan(exitedOnly, machine, {}, [], 200_000);
    expect(next.definition.StartAt).toBe('Pause');
    expect(next.input).toEqual({ r: 1 });
    expect(next.definition.States.Pause?.Seconds).toBe(60);

    const waiting = [
      ...exitedOnly,
      event('WaitStateEntered', 150, { stateEnteredEventDetails: { name: 'Pause', input: '{"r":1}' } }),
    ];
    // Entered at 150 s for 60 s; the cloud comes back at 195 s: 15 s are left.
    const plan = resumePlan(waiting, machine, {}, [], 195_000);
    expect(plan.definition.StartAt).toBe('Pause');
    expect(plan.definition.States.Pause).toEqual({ Type: 'Wait', Seconds: 15, Next: 'Approve' });
    expect(resumePlan(waiting, machine, {}, [], 400_000).definition.States.Pause?.Seconds).toBe(0);
  });

  it('gives a state that had been given a task token the same token again', () => {
    nextId = 1;
    const events = [
      event('ExecutionStarted', 100),
      entered('Reserve', {}, 101),
      exited('Reserve', {}, 102),
      entered('Approve', { x: 1 }, 103),
    ];
    const tokens = [
      { token: 'old-state-token', afterEvent: 2 },
      { token: 'approve-token', afterEvent: 4 },
    ];
    expect(resumePlan(events, machine, {}, tokens).token).toBe('approve-token');
  });

  it('reads status, output, error and redrives back from the history', () => {
    nextId = 1;
    expect(statusFromHistory([event('ExecutionStarted', 1)])).toEqual({ status: 'RUNNING', redriveCount: 0 });
    const failed = [
      event('ExecutionStarted', 1),
      event('ExecutionFailed', 2, { executionFailedEventDetails: { error: 'SagaCompensated', cause: 'c' } }),
    ];
    expect(statusFromHistory(failed)).toEqual({
      status: 'FAILED',
      error: 'SagaCompensated',
      cause: 'c',
      stopDate: 2000,
      redriveCount: 0,
    });
    const redriven = [
      ...failed,
      event('ExecutionRedriven', 3, { executionRedrivenEventDetails: { redriveCount: 1 } }),
    ];
    expect(statusFromHistory(redriven)).toEqual({ status: 'RUNNING', redriveCount: 1, redriveDate: 3000 });
    const done = [
      ...redriven,
      event('ExecutionSucceeded', 4, { executionSucceededEventDetails: { output: '{"ok":true}' } }),
    ];
    expect(statusFromHistory(done)).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"ok":true}',
      stopDate: 4000,
    });
  });
});

describe('the journal', () => {
  it('drops a half-written last line (a crash mid-write) and cuts the file there', () => {
    const path = join(folder(), 'j.jsonl');
    writeFileSync(path, '{"n":1}\n{"n":2}\n{"n":');
    const { journal, records } = Journal.open<{ n: number }>(path);
    expect(records).toEqual([{ n: 1 }, { n: 2 }]);
    journal.append({ n: 3 });
    journal.close();
    expect(readFileSync(path, 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  it('refuses a damaged line before the end', () => {
    const path = join(folder(), 'j.jsonl');
    writeFileSync(path, '{"n":1}\nnot json\n{"n":2}\n');
    expect(() => Journal.read(path)).toThrow(/line 2 is not a JSON record/);
  });

  it('restores executions with their history and keeps only the tokens of running ones', () => {
    const path = join(folder(), 'executions.jsonl');
    const first = ExecutionJournal.open(path).journal;
    const start = (arn: string) => ({
      arn,
      name: arn,
      machineArn: 'm',
      definition: '{"StartAt":"A"}',
      input: '{}',
      startDate: 1,
    });
    first.started(start('done'));
    first.token('done', 't-done', 1);
    first.event('done', { id: 1, previousEventId: 0, timestamp: 1, type: 'ExecutionSucceeded' });
    first.started(start('running'));
    first.token('running', 't-running', 0);
    first.close();
    const { restored } = ExecutionJournal.open(path);
    expect(restored.map((e) => [e.arn, e.definition, e.events.length, e.tokens.map((t) => t.token)])).toEqual(
      [
        ['done', '{"StartAt":"A"}', 1, []],
        ['running', '{"StartAt":"A"}', 0, ['t-running']],
      ],
    );
    // The definition is stored once for both executions.
    expect(readFileSync(path, 'utf8').match(/"t":"definition"/g)).toHaveLength(1);
  });
});

describe('the --persist folder', () => {
  it('is locked while in use, and a lock left by a dead process is taken over', async () => {
    const dir = folder();
    const held = await openPersistDir(dir);
    await expect(openPersistDir(dir)).rejects.toThrow(/already in use by a local cloud of this process/);
    held.release();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      writeFileSync(join(dir, 'local-cloud.lock'), JSON.stringify({ pid: child.pid, startedAt: 'then' }));
      const refused = openPersistDir(dir);
      await expect(refused).rejects.toBeInstanceOf(LocalCloudPersistError);
      await expect(refused).rejects.toThrow(
        `in use by another local cloud (process ${child.pid}, started then)`,
      );
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    const taken = await openPersistDir(dir);
    expect(JSON.parse(readFileSync(join(dir, 'local-cloud.lock'), 'utf8')).pid).toBe(process.pid);
    taken.release();
  });

  it('refuses a folder of other files, another format or a damaged journal, and leaves it unchanged', async () => {
    const foreign = folder();
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(openPersistDir(foreign)).rejects.toThrow(/not written by a stepsaga local cloud/);

    const future = folder();
    writeFileSync(join(future, 'stepsaga-local-cloud.json'), '{"format":99}');
    await expect(openPersistDir(future)).rejects.toThrow(
      /format 99, and this version of stepsaga reads format 1/,
    );

    const damaged = folder();
    (await openPersistDir(damaged)).release();
    appendFileSync(join(damaged, 'stepfunctions-executions.jsonl'), '{broken\n');
    await expect(openPersistDir(damaged)).rejects.toThrow(/stepfunctions-executions.jsonl is damaged/);
    expect(readFileSync(join(damaged, 'stepfunctions-executions.jsonl'), 'utf8')).toBe('{broken\n');

    const sqlite = folder();
    (await openPersistDir(sqlite)).release();
    mkdirSync(join(sqlite, 'sqs'), { recursive: true });
    writeFileSync(join(sqlite, 'sqs', 'fauxqs.db'), 'this is not a database, just bytes '.repeat(200));
    await expect(openPersistDir(sqlite)).rejects.toThrow(/fauxqs.db is damaged/);
    // Every refusal unlocked the folder.
    for (const dir of [foreign, future, damaged, sqlite])
      expect(() => readFileSync(join(dir, 'local-cloud.lock'))).toThrow();
  });
});
