import { afterEach, describe, expect, it } from 'vitest';
import { StartupTimings, TIMINGS_VARIABLE } from '../../infra/local/startup-timings.js';

describe('start-up phase breakdown', () => {
  const previous = process.env[TIMINGS_VARIABLE];
  afterEach(() => {
    if (previous === undefined) delete process.env[TIMINGS_VARIABLE];
    else process.env[TIMINGS_VARIABLE] = previous;
  });

  it('shows overlapping phases as spans in start order, counting the synchronous part of a phase', async () => {
    const timings = new StartupTimings();
    const slow = timings.track('engine', () => {
      const until = performance.now() + 30;
      while (performance.now() < until) {
        // Synchronous work before the first await, as a JVM probe or a synth would do.
      }
      return new Promise<string>((resolve) => setTimeout(() => resolve('up'), 20));
    });
    const fast = timings.track('synth', Promise.resolve(1));
    timings.measure('pollers', () => undefined);
    expect(await slow).toBe('up');
    await fast;
    const lines = timings.format();
    expect(lines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['engine', 'synth', 'pollers']);
    const engine = /(\d+\.\d\d) -> (\d+\.\d\d) s {2}\((\d+\.\d\d) s\)/.exec(lines[0] ?? '');
    expect(Number(engine?.[3])).toBeGreaterThanOrEqual(0.05);
  });

  it('marks a phase that never ended', () => {
    const timings = new StartupTimings();
    void timings.track('DynamoDB Local start', new Promise(() => {}));
    expect(timings.format()[0]).toMatch(/DynamoDB Local start\s+0\.00 -> \(not finished\)/);
  });

  it('is requested by STEPSAGA_TIMINGS, and not by 0, false or empty', () => {
    for (const [value, requested] of [
      ['1', true],
      ['yes', true],
      ['0', false],
      ['false', false],
      ['', false],
    ] as const) {
      process.env[TIMINGS_VARIABLE] = value;
      expect(StartupTimings.requested()).toBe(requested);
    }
    delete process.env[TIMINGS_VARIABLE];
    expect(StartupTimings.requested()).toBe(false);
  });
});
