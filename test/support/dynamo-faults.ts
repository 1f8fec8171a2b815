import {
  type CancellationReason,
  type DynamoDBClient,
  ThrottlingException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';

/**
 * SDK middleware for what DynamoDB Local never does: count requests by operation and make the next
 * TransactWriteItems fail the way DynamoDB does under contention or throttling.
 */
export interface RequestCounter {
  /** Requests per command name since the last reset, e.g. `{ TransactWriteItemsCommand: 1 }`. */
  readonly counts: Map<string, number>;
  total(): number;
  reset(): void;
}

export function countRequests(client: DynamoDBClient): RequestCounter {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'stepsagaTestRequestCounter' },
  );
  return {
    counts,
    total: () => [...counts.values()].reduce((sum, n) => sum + n, 0),
    reset: () => counts.clear(),
  };
}

export type TransactFault =
  | 'TransactionConflict'
  | 'ThrottlingError'
  | 'ThrottlingException'
  | 'ValidationError';

/**
 * Makes the next `times` TransactWriteItems fail before reaching DynamoDB: a cancellation whose
 * reasons carry the code on the item at `itemIndex` (DynamoDB's shape for conflicts and per-item
 * throttling), or a request-level ThrottlingException.
 */
export function failNextTransactions(
  client: DynamoDBClient,
  fault: TransactFault,
  options: { times?: number; itemIndex?: number } = {},
): { remaining(): number } {
  let remaining = options.times ?? 1;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'TransactWriteItemsCommand' || remaining <= 0) return next(args);
      remaining -= 1;
      if (fault === 'ThrottlingException') {
        throw new ThrottlingException({
          message: 'Rate of requests exceeds the allowed throughput.',
          $metadata: {},
        });
      }
      const input = args.input as { TransactItems?: unknown[] };
      const reasons: CancellationReason[] = (input.TransactItems ?? []).map((_, index) =>
        index === (options.itemIndex ?? 0) ? { Code: fault, Message: `Injected ${fault}` } : { Code: 'None' },
      );
      throw new TransactionCanceledException({
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        $metadata: {},
        CancellationReasons: reasons,
      });
    },
    { step: 'initialize', name: `stepsagaTestFault${Math.random().toString(36).slice(2)}` },
  );
  return { remaining: () => remaining };
}
