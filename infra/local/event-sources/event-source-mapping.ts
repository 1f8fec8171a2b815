import type { FilterPattern } from './filter-criteria.js';

/** An event source mapping as the pollers use it, read from AWS::Lambda::EventSourceMapping. */
export interface EventSourceMappingConfig {
  readonly uuid: string;
  readonly stack: string;
  readonly logicalId: string;
  readonly functionName: string;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly batchSize: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1 means retry until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1 means records never expire. */
  readonly maximumRecordAgeInSeconds: number;
  /** Queue ARN of DestinationConfig.OnFailure. */
  readonly onFailureDestination?: string;
  readonly reportBatchItemFailures: boolean;
  readonly filters: readonly FilterPattern[];
  readonly maximumConcurrency: number;
}

/** `{ batchItemFailures: [{ itemIdentifier }] }` from a handler, or undefined when absent/invalid. */
export function batchItemFailures(payload: string): string[] | undefined {
  try {
    const parsed = JSON.parse(payload) as { batchItemFailures?: Array<{ itemIdentifier?: unknown }> } | null;
    if (!parsed || !Array.isArray(parsed.batchItemFailures)) return undefined;
    return parsed.batchItemFailures.map((f) => String(f.itemIdentifier ?? ''));
  } catch {
    return undefined;
  }
}

/**
 * Resolves after `ms`, or at once when `signal` aborts. The abort listener is removed when the
 * timer fires: pollers sleep on one long-lived signal thousands of times.
 */
export const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
