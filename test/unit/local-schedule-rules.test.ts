import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { planEventRule } from '../../infra/local/event-sources/event-rule.js';
import { parseScheduleExpression } from '../../infra/local/event-sources/schedule-expression.js';
import {
  type ScheduledEvent,
  type ScheduleRuleConfig,
  ScheduleRunner,
} from '../../infra/local/event-sources/schedule-rules.js';
import { Faults } from '../../infra/local/faults.js';
import { LambdaService } from '../../infra/local/lambda/lambda-service.js';
import { LocalFunction } from '../../infra/local/lambda/local-function.js';
import type { LocalLogLine } from '../../infra/local/types.js';

const RULE_ARN = 'arn:aws:events:us-east-1:000000000000:rule/Sweep';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:sweeper';

describe('schedule expressions', () => {
  it('reads rate expressions in minutes, hours and days', () => {
    expect(parseScheduleExpression('rate(1 minute)')).toEqual({ kind: 'rate', periodMs: 60_000 });
    expect(parseScheduleExpression('rate(5 minutes)')).toEqual({ kind: 'rate', periodMs: 300_000 });
    expect(parseScheduleExpression('rate(1 hour)')).toEqual({ kind: 'rate', periodMs: 3_600_000 });
    expect(parseScheduleExpression('rate(2 days)')).toEqual({ kind: 'rate', periodMs: 172_800_000 });
  });

  it('refuses what EventBridge refuses, saying what is wrong', () => {
    expect(() => parseScheduleExpression('rate(1 minutes)')).toThrow(
      'ScheduleExpression "rate(1 minutes)": with the value 1 the unit must be "minute"',
    );
    expect(() => parseScheduleExpression('rate(5 minute)')).toThrow('the unit must be "minutes"');
    expect(() => parseScheduleExpression('rate(0 minutes)')).toThrow(
      'the value must be a whole number of at least 1, got "0"',
    );
    expect(() => parseScheduleExpression('rate(1.5 hours)')).toThrow('got "1.5"');
    expect(() => parseScheduleExpression('rate(30 seconds)')).toThrow(
      'the unit must be minute(s), hour(s) or day(s), got "seconds"',
    );
    expect(() => parseScheduleExpression('every minute')).toThrow(
      'ScheduleExpression "every minute" is neither rate(value unit) nor cron(...)',
    );
  });

  it('accepts cron schedules without running them, with the reason', () => {
    expect(parseScheduleExpression('cron(0 12 * * ? *)')).toEqual({
      kind: 'not-run',
      reason: 'cron(0 12 * * ? *) is a cron schedule; the local cloud runs rate(...) schedules only',
    });
  });
});

describe('event rules in a template', () => {
  const plan = (properties: Record<string, unknown>) =>
    planEventRule({
      name: 'Sweep',
      arn: RULE_ARN,
      properties,
      resolve: (value, where) => {
        if (value && typeof value === 'object') throw new Error(`cannot resolve ${where}`);
        return value;
      },
      functionNameOf: (arn) => (arn === FUNCTION_ARN ? 'sweeper' : undefined),
    });

  it('runs an enabled rate rule on its function targets, with their Input', () => {
    expect(
      plan({
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          { Id: 'Target0', Arn: FUNCTION_ARN },
          { Id: 'Target1', Arn: FUNCTION_ARN, Input: '{"mode":"full"}' },
        ],
      }),
    ).toEqual({
      trigger: 'rate(1 minute)',
      schedule: {
        name: 'Sweep',
        arn: RULE_ARN,
        expression: 'rate(1 minute)',
        periodMs: 60_000,
        targets: [
          { id: 'Target0', functionName: 'sweeper', arn: FUNCTION_ARN },
          { id: 'Target1', functionName: 'sweeper', arn: FUNCTION_ARN, input: '{"mode":"full"}' },
        ],
      },
      skippedTargets: [],
    });
  });

  it('leaves out targets it cannot invoke faithfully, and says why', () => {
    expect(
      plan({
        ScheduleExpression: 'rate(5 minutes)',
        Targets: [
          { Id: 'Fn', Arn: FUNCTION_ARN },
          { Id: 'Machine', Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Other' },
          { Id: 'Shaped', Arn: FUNCTION_ARN, InputTransformer: { InputTemplate: '"x"' } },
          { Id: 'Topic', Arn: { Ref: 'Topic' } },
        ],
      }).skippedTargets,
    ).toEqual([
      'target Machine: arn:aws:states:us-east-1:000000000000:stateMachine:Other is not a function of the app; the local cloud invokes function targets only',
      'target Shaped: InputPath and InputTransformer are not supported locally; use Input or the scheduled event',
      'target Topic: cannot resolve Targets[3].Arn',
    ]);
  });

  it('lists rules that never fire locally, with the reason, without resolving their targets', () => {
    const unresolvable = [{ Id: 'Topic', Arn: { Ref: 'Topic' } }];
    expect(plan({ EventPattern: { source: ['aws.s3'] }, Targets: unresolvable })).toEqual({
      trigger: 'event pattern',
      notRunReason: 'it matches events on a bus, and the local cloud has no event bus',
      skippedTargets: [],
    });
    expect(plan({ ScheduleExpression: 'rate(1 hour)', State: 'DISABLED', Targets: unresolvable })).toEqual({
      trigger: 'rate(1 hour)',
      notRunReason: 'its State is DISABLED',
      skippedTargets: [],
    });
    expect(plan({ ScheduleExpression: 'cron(0 3 * * ? *)', Targets: unresolvable }).notRunReason).toBe(
      'cron(0 3 * * ? *) is a cron schedule; the local cloud runs rate(...) schedules only',
    );
    expect(plan({ ScheduleExpression: 'rate(1 hour)', Targets: unresolvable })).toEqual({
      trigger: 'rate(1 hour)',
      notRunReason: 'it has no target the local cloud can invoke',
      skippedTargets: ['target Topic: cannot resolve Targets[0].Arn'],
    });
  });

  it('fails on a malformed schedule expression, as CloudFormation would', () => {
    expect(() => plan({ ScheduleExpression: 'rate(2 hour)', Targets: [] })).toThrow(
      'ScheduleExpression "rate(2 hour)": with the value 2 the unit must be "hours"',
    );
  });
});

interface Invocation {
  readonly started: number;
  readonly ended: number;
  readonly event: unknown;
}

/** A function of the local Lambda engine that appends each invocation to a file. */
const HANDLER = `
import { appendFileSync } from 'node:fs';
export const handler = async (event) => {
  const started = Date.now();
  appendFileSync(process.env.RECORD_FILE + '.started', started + '\\n');
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.HOLD_MS)));
  appendFileSync(process.env.RECORD_FILE, JSON.stringify({ started, ended: Date.now(), event }) + '\\n');
  if (process.env.FAIL === 'yes') throw new Error('sweep failed on purpose');
  return { swept: 0 };
};
`;

const codeDir = mkdtempSync(join(tmpdir(), 'stepsaga-schedule-test-'));
writeFileSync(join(codeDir, 'index.mjs'), HANDLER);
afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

const running: Array<{ runner: ScheduleRunner; lambda: LambdaService }> = [];
afterEach(async () => {
  for (const { runner, lambda } of running.splice(0)) {
    await runner.stop();
    await lambda.stop();
  }
});

function startSchedule(options: { holdMs: number; rateDivisor: number; input?: string; fail?: boolean }) {
  const recordFile = join(codeDir, `record-${running.length}-${Date.now()}.jsonl`);
  writeFileSync(recordFile, '');
  writeFileSync(`${recordFile}.started`, '');
  const logs: LocalLogLine[] = [];
  const onLog = (line: LocalLogLine) => logs.push(line);
  const lambda = new LambdaService(
    'us-east-1',
    '000000000000',
    new Faults({ function: (r) => r, queue: (r) => r, table: (r) => r }),
    onLog,
  );
  lambda.register(
    new LocalFunction(
      {
        stack: 'Test',
        logicalId: 'Sweeper',
        name: 'sweeper',
        arn: FUNCTION_ARN,
        codeDir,
        handler: 'index.handler',
        timeoutSeconds: 10,
        memorySize: 128,
        environment: {
          RECORD_FILE: recordFile,
          HOLD_MS: String(options.holdMs),
          FAIL: options.fail ? 'yes' : 'no',
        },
      },
      { maxWorkers: 4, onLog, baseEnvironment: () => ({ PATH: process.env.PATH ?? '' }) },
    ),
  );
  const rule: ScheduleRuleConfig = {
    name: 'Sweep',
    arn: RULE_ARN,
    expression: 'rate(1 minute)',
    periodMs: 60_000,
    targets: [{ id: 'Target0', functionName: 'sweeper', ...(options.input ? { input: options.input } : {}) }],
  };
  const runner = new ScheduleRunner(rule, {
    region: 'us-east-1',
    accountId: '000000000000',
    lambda,
    rateDivisor: options.rateDivisor,
    onLog,
  });
  running.push({ runner, lambda });
  runner.start();
  const startedCount = () => readFileSync(`${recordFile}.started`, 'utf8').split('\n').filter(Boolean).length;
  const invocations = (): Invocation[] =>
    readFileSync(recordFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Invocation);
  return { runner, logs, invocations, startedCount };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until `count()` reaches `atLeast` and returns the time since `since`; a worker's cold start
 * on a loaded machine can take several ticks, so the tests wait for invocations rather than for a
 * fixed time, and bound the count by the time that actually passed.
 */
async function waitForCount(count: () => number, atLeast: number, since: number): Promise<number> {
  const deadline = Date.now() + 15_000;
  while (count() < atLeast) {
    if (Date.now() > deadline) throw new Error(`only ${count()} of ${atLeast} invocations within 15 s`);
    await wait(10);
  }
  return Date.now() - since;
}

describe('a scheduled rule on the local cloud', () => {
  it('invokes its target once per divided period with the scheduled event', async () => {
    const since = Date.now();
    const { runner, invocations } = startSchedule({ holdMs: 0, rateDivisor: 300 });
    expect(runner.localPeriodMs).toBe(200);
    const elapsed = await waitForCount(() => invocations().length, 3, since);
    await runner.stop();
    const seen = invocations();
    // One invocation per 200 ms tick at most: never more than the ticks that fit in the time passed.
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBeLessThanOrEqual(Math.floor((Date.now() - since) / 200));
    expect(elapsed).toBeGreaterThanOrEqual(3 * 200);
    for (const { event } of seen) {
      expect(event).toEqual({
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        region: 'us-east-1',
        resources: [RULE_ARN],
        detail: {},
      } satisfies Record<keyof ScheduledEvent, unknown>);
    }
    expect(new Set(seen.map(({ event }) => (event as ScheduledEvent).id)).size).toBe(seen.length);
  });

  it("sends the target's Input instead of the scheduled event", async () => {
    const since = Date.now();
    const { runner, invocations } = startSchedule({ holdMs: 0, rateDivisor: 600, input: '{"mode":"full"}' });
    await waitForCount(() => invocations().length, 2, since);
    await runner.stop();
    expect(invocations().length).toBeGreaterThanOrEqual(1);
    for (const { event } of invocations()) expect(event).toEqual({ mode: 'full' });
  });

  it('skips a tick while the previous invocation still runs, so that invocations never overlap', async () => {
    const since = Date.now();
    const { runner, invocations, logs } = startSchedule({ holdMs: 250, rateDivisor: 600 });
    await waitForCount(() => invocations().length, 3, since);
    await runner.stop();
    const seen = invocations();
    expect(seen.length).toBeGreaterThanOrEqual(3);
    // 100 ms ticks, 250 ms invocations: at most every third tick can start one.
    expect(seen.length).toBeLessThanOrEqual(Math.ceil((Date.now() - since) / 300));
    seen.slice(1).forEach((invocation, i) => {
      expect(invocation.started).toBeGreaterThanOrEqual(seen[i]?.ended ?? Number.POSITIVE_INFINITY);
    });
    expect(logs.some((l) => l.level === 'debug' && l.message.includes('tick skipped'))).toBe(true);
  });

  it('stops between ticks: the running invocation finishes, and nothing fires afterwards', async () => {
    const { runner, invocations, startedCount } = startSchedule({ holdMs: 300, rateDivisor: 600 });
    while (startedCount() === 0) await wait(10);
    expect(invocations()).toHaveLength(0);
    await runner.stop();
    // stop() waited for the invocation under way, which recorded itself on its way out.
    expect(invocations()).toHaveLength(1);
    await wait(400);
    expect(startedCount()).toBe(1);
    expect(invocations()).toHaveLength(1);
  });

  it('logs a failing target and keeps to the schedule', async () => {
    const since = Date.now();
    const { runner, invocations, logs } = startSchedule({ holdMs: 0, rateDivisor: 600, fail: true });
    await waitForCount(() => invocations().length, 2, since);
    await wait(250);
    await runner.stop();
    expect(invocations().length).toBeGreaterThanOrEqual(2);
    const failures = logs.filter((l) => l.source === 'event-source' && l.level === 'warn');
    expect(failures.length).toBe(invocations().length);
    expect(failures[0]).toMatchObject({ resource: 'Sweep' });
    expect(failures[0]?.message).toMatch(
      /^target Target0 \(sweeper\) failed: \{"errorType":"Error","errorMessage":"sweep failed on purpose"/,
    );
  });
});
