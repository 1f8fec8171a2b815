import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Faults } from '../faults.js';
import type { LocalLogLine } from '../types.js';
import type { DynamoDbFaultRule } from './fault-plan.js';

export interface DynamoDbFaultProxy {
  readonly endpoint: string;
  stop(): Promise<void>;
}

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const ERROR_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

/** AWS's answer to a request the rule breaks: status and JSON body, as DynamoDB sends them. */
export function faultResponse(
  rule: DynamoDbFaultRule,
  operation: string,
  body: unknown,
): { status: number; body: Record<string, unknown> } {
  if (rule.kind === 'throttling') {
    return {
      status: 400,
      body: {
        __type: `${ERROR_PREFIX}ThrottlingException`,
        message:
          'Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly.',
      },
    };
  }
  const items = (body as { TransactItems?: unknown[] } | null)?.TransactItems;
  if (!operation.startsWith('Transact') || !Array.isArray(items)) {
    return {
      status: 400,
      body: {
        __type: `${ERROR_PREFIX}TransactionConflictException`,
        message: 'Transaction is ongoing for the item',
      },
    };
  }
  // One reason per item, in request order; the conflict sits on the first item (the barrier).
  const reasons = items.map((_, index) =>
    index === 0
      ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
      : { Code: 'None' },
  );
  return {
    status: 400,
    body: {
      __type: `${ERROR_PREFIX}TransactionCanceledException`,
      CancellationReasons: reasons,
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
    },
  };
}

/**
 * A pass-through HTTP proxy in front of DynamoDB Local for the functions' requests, which answers a
 * request with `TransactionCanceledException` (TransactionConflict) or `ThrottlingException` when a
 * fault rule fires. DynamoDB Local itself never raises either.
 */
export async function startDynamoDbFaultProxy(
  target: string,
  faults: Faults,
  onLog: (line: LocalLogLine) => void,
): Promise<DynamoDbFaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      let rule: DynamoDbFaultRule | undefined;
      let parsed: unknown;
      if (operation) {
        try {
          parsed = JSON.parse(raw.toString('utf8'));
          rule = faults.forDynamoDbRequest(operation, parsed);
        } catch {
          // Not JSON: let DynamoDB Local answer it as it would.
        }
      }
      if (rule) {
        const answer = faultResponse(rule, operation, parsed);
        const text = JSON.stringify(answer.body);
        onLog({
          timestamp: Date.now(),
          source: 'cloud',
          level: 'warn',
          message: `injected fault: DynamoDB ${operation} answered ${String(answer.body.__type).split('#')[1]}`,
        });
        res.writeHead(answer.status, {
          'content-type': JSON_CONTENT_TYPE,
          'content-length': Buffer.byteLength(text),
          'x-amzn-requestid': randomUUID(),
        });
        res.end(text);
        return;
      }
      const forward = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`DynamoDB fault proxy: upstream ${target} failed: ${error.message}`);
      });
      forward.end(raw);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref();
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
