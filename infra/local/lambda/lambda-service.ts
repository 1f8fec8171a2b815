import { pathToFileURL } from 'node:url';
import { LocalServiceError } from '../errors.js';
import { invokeWithFault } from '../faults/lambda-faults.js';
import type { Faults } from '../faults.js';
import type { LocalLogLine, LocalService } from '../types.js';
import type { InvokeResult, LocalFunction, LocalFunctionConfig } from './local-function.js';

interface InvokeRequest {
  readonly FunctionName?: string;
  readonly Payload?: string;
  readonly InvocationType?: 'RequestResponse' | 'Event' | 'DryRun';
  readonly LogType?: 'None' | 'Tail';
  readonly Qualifier?: string;
}

interface ListFunctionsRequest {
  readonly Marker?: string;
  readonly MaxItems?: number | string;
}

/** Lambda's `LogResult`: the last 4 KB of the invocation's log, base64-encoded. */
export function logTail(logs: string): string {
  const bytes = Buffer.from(logs, 'utf8');
  return bytes.subarray(Math.max(0, bytes.length - 4096)).toString('base64');
}

/** The `FunctionConfiguration` shape of ListFunctions and GetFunction. */
function functionConfiguration(config: LocalFunctionConfig): Record<string, unknown> {
  return {
    FunctionName: config.name,
    FunctionArn: config.arn,
    Runtime: config.runtime ?? 'nodejs22.x',
    Handler: config.handler,
    Timeout: config.timeoutSeconds,
    MemorySize: config.memorySize,
    Version: '$LATEST',
    PackageType: 'Zip',
    State: 'Active',
    LastUpdateStatus: 'Successful',
    Environment: { Variables: { ...config.environment } },
  };
}

/** ListFunctions pages with an opaque `Marker`; a marker this service did not issue is refused. */
function listFunctions(all: Record<string, unknown>[], input: ListFunctionsRequest): unknown {
  const sorted = [...all].sort((a, b) => String(a.FunctionName).localeCompare(String(b.FunctionName)));
  let start = 0;
  if (input.Marker !== undefined) {
    const decoded = /^stepsaga-functions:(\d+)$/.exec(
      Buffer.from(String(input.Marker), 'base64').toString('utf8'),
    );
    if (!decoded) throw new LocalServiceError('InvalidParameterValueException', 'Invalid marker');
    start = Number(decoded[1]);
  }
  const max = input.MaxItems === undefined ? 50 : Number(input.MaxItems);
  if (!Number.isInteger(max) || max < 1 || max > 10_000) {
    throw new LocalServiceError(
      'InvalidParameterValueException',
      `1 validation error detected: Value '${String(input.MaxItems)}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`,
    );
  }
  const page = sorted.slice(start, start + max);
  const next = start + max < sorted.length ? start + max : undefined;
  return {
    Functions: page,
    ...(next !== undefined
      ? { NextMarker: Buffer.from(`stepsaga-functions:${next}`).toString('base64') }
      : {}),
  };
}

/** The Lambda `Invoke` API over the local functions, plus the entry point for in-cloud callers. */
export class LambdaService implements LocalService {
  private readonly byName = new Map<string, LocalFunction>();
  private readonly background = new Set<Promise<unknown>>();
  private running = 0;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly faults: Faults,
    private readonly onLog: (line: LocalLogLine) => void,
  ) {}

  register(fn: LocalFunction): void {
    this.byName.set(fn.config.name, fn);
  }

  functions(): LocalFunction[] {
    return [...this.byName.values()];
  }

  /** Accepts a name, a full or partial ARN, with or without a qualifier, like Lambda does. */
  lookup(functionName: string): LocalFunction | undefined {
    const arnMatch = /^(?:arn:[^:]+:lambda:[^:]*:[^:]*:function:)?([^:]+)(?::[^:]+)?$/.exec(functionName);
    const name = arnMatch?.[1] ?? functionName;
    return this.byName.get(name);
  }

  get(functionName: string): LocalFunction {
    const fn = this.lookup(functionName);
    if (!fn) {
      const arn = functionName.startsWith('arn:')
        ? functionName
        : `arn:aws:lambda:${this.region}:${this.accountId}:function:${functionName}`;
      throw new LocalServiceError('ResourceNotFoundException', `Function not found: ${arn}`, 404);
    }
    return fn;
  }

  /** Invokes a function with an event, applying injected faults first. */
  async invoke(fn: LocalFunction, event: unknown): Promise<InvokeResult> {
    this.running += 1;
    try {
      const fault = this.faults.forInvocation(fn.config.name, event);
      if (fault) return await invokeWithFault(fn, event, fault, this.onLog);
      return limitResponse(await fn.invoke(event));
    } finally {
      this.running -= 1;
    }
  }

  /** Invocations started and not yet answered, over every function. */
  get inFlight(): number {
    return this.running;
  }

  async call(operation: string, request: unknown): Promise<unknown> {
    switch (operation) {
      case 'Invoke':
        return this.invokeApi((request ?? {}) as InvokeRequest);
      case 'ListFunctions':
        return listFunctions(
          this.functions().map((fn) => functionConfiguration(fn.config)),
          (request ?? {}) as ListFunctionsRequest,
        );
      case 'GetFunction': {
        const name = (request as { FunctionName?: unknown } | undefined)?.FunctionName;
        if (typeof name !== 'string' || name === '') {
          throw new LocalServiceError('InvalidParameterValueException', 'FunctionName is required');
        }
        const fn = this.get(name);
        return {
          Configuration: functionConfiguration(fn.config),
          Code: { RepositoryType: 'S3', Location: pathToFileURL(fn.config.codeDir).href },
          Tags: {},
        };
      }
      default:
        throw new LocalServiceError(
          'UnknownOperationException',
          `The local Lambda API supports Invoke, ListFunctions and GetFunction, not ${operation}`,
        );
    }
  }

  private async invokeApi(input: InvokeRequest): Promise<unknown> {
    if (!input.FunctionName) {
      throw new LocalServiceError('InvalidParameterValueException', 'FunctionName is required');
    }
    const fn = this.get(input.FunctionName);
    const mode = input.InvocationType ?? 'RequestResponse';
    const limit = mode === 'Event' ? MAX_ASYNC_PAYLOAD_BYTES : MAX_SYNC_PAYLOAD_BYTES;
    if (input.Payload !== undefined && Buffer.byteLength(input.Payload, 'utf8') > limit) {
      throw new LocalServiceError(
        'RequestEntityTooLargeException',
        `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
        413,
      );
    }
    let event: unknown = {};
    if (input.Payload !== undefined && input.Payload !== '') {
      try {
        event = JSON.parse(input.Payload);
      } catch (error) {
        throw new LocalServiceError(
          'InvalidRequestContentException',
          `Could not parse request body into json: ${(error as Error).message}`,
        );
      }
    }
    switch (mode) {
      case 'DryRun':
        return { StatusCode: 204, Payload: '' };
      case 'Event': {
        const run = this.invoke(fn, event).finally(() => this.background.delete(run));
        this.background.add(run);
        return { StatusCode: 202, Payload: '' };
      }
      default: {
        const result = await this.invoke(fn, event);
        return {
          StatusCode: 200,
          ExecutedVersion: '$LATEST',
          Payload: result.payload,
          ...(result.functionError ? { FunctionError: result.functionError } : {}),
          ...(input.LogType === 'Tail' ? { LogResult: logTail(result.logs) } : {}),
        };
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.background]);
    await Promise.all(this.functions().map((fn) => fn.stop()));
  }
}

/** Lambda's payload quotas: 6 MB each way for a synchronous invocation, 1 MB for an asynchronous event. */
export const MAX_SYNC_PAYLOAD_BYTES = 6_291_456;
export const MAX_ASYNC_PAYLOAD_BYTES = 1_048_576;
/** The response limit Lambda reports, as it reports it (the payload plus 100 bytes of framing). */
const MAX_RESPONSE_REPORTED_BYTES = 6_291_556;

/** A response over the synchronous limit reaches the caller as a function error, as on AWS. */
function limitResponse(result: InvokeResult): InvokeResult {
  if (result.functionError || Buffer.byteLength(result.payload, 'utf8') <= MAX_SYNC_PAYLOAD_BYTES)
    return result;
  return {
    ...result,
    functionError: 'Unhandled',
    payload: JSON.stringify({
      errorMessage: `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_REPORTED_BYTES} bytes).`,
      errorType: 'Function.ResponseSizeTooLarge',
    }),
  };
}
