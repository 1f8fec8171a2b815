import { randomUUID } from 'node:crypto';
import type { LambdaService } from '../lambda/lambda-service.js';
import type { LocalLogLine } from '../types.js';

/** A target of a scheduled rule that the local cloud invokes: a function of the app. */
export interface ScheduleTarget {
  /** The target's `Id` in the rule. */
  readonly id: string;
  readonly functionName: string;
  /**
   * The target's ARN as the rule names it (a version or alias ARN included), which the function's
   * resource policy must let EventBridge invoke.
   */
  readonly arn?: string;
  /** The target's `Input` (JSON text), sent instead of the scheduled event. */
  readonly input?: string;
}

/** An `AWS::Events::Rule` with a rate schedule, as the local cloud runs it. */
export interface ScheduleRuleConfig {
  readonly name: string;
  readonly arn: string;
  readonly expression: string;
  /** The schedule's real period. */
  readonly periodMs: number;
  readonly targets: readonly ScheduleTarget[];
}

export interface ScheduleRunnerDeps {
  readonly region: string;
  readonly accountId: string;
  readonly lambda: LambdaService;
  /** Divides the period (tests); the local period is never below {@link MIN_LOCAL_PERIOD_MS}. */
  readonly rateDivisor: number;
  readonly onLog: (line: LocalLogLine) => void;
}

/** The shortest local period a divisor can produce, so that a large divisor cannot spin the event loop. */
export const MIN_LOCAL_PERIOD_MS = 10;

/** A schedule's period on the local cloud: the real one divided, never below {@link MIN_LOCAL_PERIOD_MS}. */
export function localPeriod(periodMs: number, rateDivisor: number): number {
  return Math.max(MIN_LOCAL_PERIOD_MS, periodMs / rateDivisor);
}

/** The event EventBridge sends a scheduled rule's targets that have no `Input`. */
export interface ScheduledEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': 'Scheduled Event';
  readonly source: 'aws.events';
  readonly account: string;
  /** ISO-8601 to the second, as EventBridge writes it. */
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, never>;
}

export function scheduledEvent(ruleArn: string, region: string, accountId: string, at: Date): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: accountId,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [ruleArn],
    detail: {},
  };
}

/**
 * Runs one scheduled rule: every period (divided by the divisor) it invokes each target once and
 * waits for the answers. A tick that comes while the previous one's invocations still run is
 * skipped, so a slow function never runs twice at once for its rule. Ticks stay on the grid of the
 * start time; ticks missed while the event loop was busy are skipped, not caught up in a burst.
 *
 * Unlike EventBridge, a failed invocation is logged and not retried: the next tick is the retry,
 * which is what a scheduled sweeper relies on anyway.
 */
export class ScheduleRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private startedAt = 0;
  private stopped = false;

  constructor(
    readonly rule: ScheduleRuleConfig,
    private readonly deps: ScheduleRunnerDeps,
  ) {}

  /** The period the rule runs at locally. */
  get localPeriodMs(): number {
    return localPeriod(this.rule.periodMs, this.deps.rateDivisor);
  }

  start(): void {
    this.startedAt = Date.now();
    this.arm();
  }

  /** Cancels the next tick and waits for invocations under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private log(level: LocalLogLine['level'], message: string): void {
    this.deps.onLog({
      timestamp: Date.now(),
      source: 'event-source',
      resource: this.rule.name,
      level,
      message,
    });
  }

  private arm(): void {
    if (this.stopped) return;
    const period = this.localPeriodMs;
    const elapsed = Date.now() - this.startedAt;
    const next = (Math.floor(elapsed / period) + 1) * period;
    this.timer = setTimeout(() => this.tick(), next - elapsed);
  }

  private tick(): void {
    this.timer = undefined;
    if (this.stopped) return;
    if (this.running) {
      this.log('debug', `${this.rule.expression}: tick skipped, the previous one still runs`);
    } else {
      this.running = this.fire().finally(() => {
        this.running = undefined;
      });
    }
    this.arm();
  }

  private async fire(): Promise<void> {
    const event = scheduledEvent(this.rule.arn, this.deps.region, this.deps.accountId, new Date());
    await Promise.all(
      this.rule.targets.map(async (target) => {
        try {
          const fn = this.deps.lambda.get(target.functionName);
          const payload: unknown = target.input === undefined ? event : JSON.parse(target.input);
          const result = await this.deps.lambda.invoke(fn, payload);
          if (result.functionError) {
            this.log(
              'warn',
              `target ${target.id} (${fn.config.name}) failed: ${result.payload.slice(0, 500)}`,
            );
          } else {
            this.log('debug', `target ${target.id} (${fn.config.name}) ran in ${result.durationMs} ms`);
          }
        } catch (error) {
          this.log('warn', `target ${target.id} could not be invoked: ${(error as Error).message}`);
        }
      }),
    );
  }
}
