import { randomUUID } from 'node:crypto';
import type { InvokeResult, LambdaErrorPayload, LocalFunction } from '../lambda/local-function.js';
import type { LocalLogLine } from '../types.js';
import type { LambdaFaultRule } from './fault-plan.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function failure(requestId: string, error: LambdaErrorPayload, durationMs = 0): InvokeResult {
  return {
    requestId,
    payload: JSON.stringify({ ...error, trace: error.trace ?? [] }),
    functionError: 'Unhandled',
    logs: `START RequestId: ${requestId} Version: $LATEST\nEND RequestId: ${requestId}\n`,
    durationMs,
  };
}

/** The first half of a batch event's `Records` (at least one), or the event unchanged. */
function firstHalfOfBatch(event: unknown): unknown {
  const records = (event as { Records?: unknown[] } | null)?.Records;
  if (!Array.isArray(records) || records.length < 2) return event;
  return { ...(event as object), Records: records.slice(0, Math.ceil(records.length / 2)) };
}

/** Runs one invocation of `fn` the way the fault says it goes wrong. */
export async function invokeWithFault(
  fn: LocalFunction,
  event: unknown,
  fault: LambdaFaultRule,
  onLog: (line: LocalLogLine) => void,
): Promise<InvokeResult> {
  const requestId = randomUUID();
  onLog({
    timestamp: Date.now(),
    source: 'lambda',
    resource: fn.config.name,
    requestId,
    level: 'warn',
    message: `injected fault: ${describe(fault)}`,
  });
  const started = Date.now();
  switch (fault.kind) {
    case 'error':
      return failure(requestId, {
        errorType: fault.errorType,
        errorMessage: fault.errorMessage ?? 'injected fault',
      });
    case 'timeout': {
      const timeoutMs = fn.config.timeoutSeconds * 1000;
      if (fault.committed) await fn.invoke(event);
      await sleep(Math.max(0, (fault.waitMs ?? timeoutMs) - (Date.now() - started)));
      const seconds = fn.config.timeoutSeconds.toFixed(2);
      return failure(
        requestId,
        {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
        },
        Date.now() - started,
      );
    }
    case 'crash-after-commit': {
      await fn.invoke(fault.partialBatch ? firstHalfOfBatch(event) : event);
      return failure(
        requestId,
        {
          errorType: fault.errorType ?? 'Runtime.ExitError',
          errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`,
        },
        Date.now() - started,
      );
    }
    case 'duplicate': {
      const [first, second] =
        fault.concurrent === false
          ? [await fn.invoke(event), await fn.invoke(event)]
          : await Promise.all([fn.invoke(event), fn.invoke(event)]);
      return fault.answer === 'second' ? second : first;
    }
    case 'delay':
      await sleep(fault.ms);
      return fn.invoke(event);
  }
}

function describe(fault: LambdaFaultRule): string {
  switch (fault.kind) {
    case 'error':
      return `${fault.errorType}: ${fault.errorMessage ?? 'injected fault'}`;
    case 'timeout':
      return `Sandbox.Timedout${fault.committed ? ' after the handler committed' : ''}`;
    case 'crash-after-commit':
      return `${fault.errorType ?? 'Runtime.ExitError'} after the handler ran${fault.partialBatch ? ' on half the batch' : ''}`;
    case 'duplicate':
      return `delivered twice (${fault.concurrent === false ? 'one after the other' : 'concurrently'})`;
    case 'delay':
      return `delayed ${fault.ms} ms`;
  }
}
