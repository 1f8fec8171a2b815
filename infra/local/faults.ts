import type { LambdaErrorPayload } from './lambda/local-function.js';
import type { FailNextOptions, FaultInjector } from './types.js';

/** Pending injected failures per function name. */
export class Faults implements FaultInjector {
  private readonly pending = new Map<string, Array<{ error: LambdaErrorPayload; remaining: number }>>();

  constructor(private readonly resolveFunctionName: (ref: string) => string) {}

  failNext(functionRef: string, options: FailNextOptions): void {
    const name = this.resolveFunctionName(functionRef);
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`faults.failNext: times must be a positive integer, got ${times}`);
    }
    const queue = this.pending.get(name) ?? [];
    queue.push({
      error: { errorType: options.errorType, errorMessage: options.errorMessage },
      remaining: times,
    });
    this.pending.set(name, queue);
  }

  clear(): void {
    this.pending.clear();
  }

  /** The injected error for this invocation of the function, if any is pending (and counts it). */
  take(functionName: string): LambdaErrorPayload | undefined {
    const queue = this.pending.get(functionName);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.error;
  }
}
