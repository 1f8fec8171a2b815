/** Set to `1` (or pass `--timings` to `stepsaga local up`) to print where start-up time goes. */
export const TIMINGS_VARIABLE = 'STEPSAGA_TIMINGS';

interface Phase {
  readonly name: string;
  readonly startMs: number;
  endMs?: number;
}

/**
 * The start-up phases of one local cloud, as offsets from its start. Phases overlap on purpose (the
 * engines boot while the app synthesizes), so each is shown as a span, not as a share of a total.
 */
export class StartupTimings {
  private readonly phases: Phase[] = [];
  private readonly origin = performance.now();

  /** Whether the user asked for the breakdown. */
  static requested(): boolean {
    const value = process.env[TIMINGS_VARIABLE];
    return value !== undefined && value !== '' && value !== '0' && value !== 'false';
  }

  private now(): number {
    return performance.now() - this.origin;
  }

  /**
   * Times `work` as the phase `name`. Pass a function when the work does something synchronous
   * before its first `await`, so that this part is counted too.
   */
  track<T>(name: string, work: Promise<T> | (() => Promise<T>)): Promise<T> {
    const phase: Phase = { name, startMs: this.now() };
    this.phases.push(phase);
    const end = () => {
      phase.endMs = this.now();
    };
    const promise = typeof work === 'function' ? work() : work;
    promise.then(end, end);
    return promise;
  }

  /** Times a synchronous step. */
  measure<T>(name: string, work: () => T): T {
    const phase: Phase = { name, startMs: this.now() };
    this.phases.push(phase);
    try {
      return work();
    } finally {
      phase.endMs = this.now();
    }
  }

  /** One line per phase, in start order: `  synth                  0.02 -> 4.81 s  (4.79 s)`. */
  format(): string[] {
    const width = Math.max(...this.phases.map((p) => p.name.length));
    const s = (ms: number) => (ms / 1000).toFixed(2);
    return [...this.phases]
      .sort((a, b) => a.startMs - b.startMs)
      .map((p) =>
        p.endMs === undefined
          ? `  ${p.name.padEnd(width)}  ${s(p.startMs)} -> (not finished)`
          : `  ${p.name.padEnd(width)}  ${s(p.startMs)} -> ${s(p.endMs)} s  (${s(p.endMs - p.startMs)} s)`,
      );
  }
}
