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
    Version: config.version ?? '$LATEST',
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

/** One function's published versions and aliases. */
interface Published {
  /** Version number → the function as it was when that version was published. */
  readonly versions: Map<string, LocalFunction>;
  /** Alias name → version number. */
  readonly aliases: Map<string, string>;
  next: number;
}

/** A function name or ARN split into the name and the qualifier (version or alias), as Lambda reads it. */
export function splitFunctionName(functionName: string): { name: string; qualifier?: string } {
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/.exec(functionName);
  if (arn) return { name: arn[1] as string, ...(arn[2] ? { qualifier: arn[2] } : {}) };
  // A partial ARN (`123456789012:function:name[:qualifier]`) or `name:qualifier`.
  const partial = /^(?:[^:]+:function:)?([^:]+)(?::([^:]+))?$/.exec(functionName);
  if (partial) return { name: partial[1] as string, ...(partial[2] ? { qualifier: partial[2] } : {}) };
  return { name: functionName };
}

/** The Lambda `Invoke` API over the local functions, plus the entry point for in-cloud callers. */
export class LambdaService implements LocalService {
  private readonly byName = new Map<string, LocalFunction>();
  private readonly published = new Map<string, Published>();
  /** Functions replaced by a reload: invocations under way finish, then their workers end. */
  private readonly retired = new Set<LocalFunction>();
  private readonly background = new Set<Promise<unknown>>();
  private running = 0;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly faults: Faults,
    private readonly onLog: (line: LocalLogLine) => void,
  ) {}

  /**
   * Registers `$LATEST` of a function. A function registered again (a reload) replaces it: later
   * invocations run the new code, those under way finish on the old workers.
   */
  register(fn: LocalFunction): void {
    const previous = this.byName.get(fn.config.name);
    this.byName.set(fn.config.name, fn);
    if (previous && previous !== fn) this.retire(previous);
  }

  /** `$LATEST` of every function. */
  functions(): LocalFunction[] {
    return [...this.byName.values()];
  }

  /**
   * Publishes a version: `snapshot` is the function as `$LATEST` is now, under the version's number,
   * and keeps running that code and configuration whatever later reloads do to `$LATEST`.
   */
  publishVersion(functionName: string, snapshot: (version: string) => LocalFunction): LocalFunction {
    const published = this.publishedOf(functionName);
    const version = String(published.next);
    published.next += 1;
    const fn = snapshot(version);
    published.versions.set(version, fn);
    return fn;
  }

  /** Replaces a published version's function with one of the same code kept elsewhere. */
  replaceVersion(functionName: string, version: string, fn: LocalFunction): void {
    const versions = this.publishedOf(functionName).versions;
    const previous = versions.get(version);
    versions.set(version, fn);
    if (previous && previous !== fn) this.retire(previous);
  }

  /** Every published version, by function name. */
  versions(): Array<{ readonly name: string; readonly version: string; readonly fn: LocalFunction }> {
    return [...this.published].flatMap(([name, p]) =>
      [...p.versions].map(([version, fn]) => ({ name, version, fn })),
    );
  }

  /** Points an alias at a version (creating the alias, or moving it). */
  setAlias(functionName: string, alias: string, version: string): void {
    this.publishedOf(functionName).aliases.set(alias, version);
  }

  private publishedOf(functionName: string): Published {
    let published = this.published.get(functionName);
    if (!published) {
      published = { versions: new Map(), aliases: new Map(), next: 1 };
      this.published.set(functionName, published);
    }
    return published;
  }

  private retire(fn: LocalFunction): void {
    this.retired.add(fn);
    void fn.retire().then(() => this.retired.delete(fn));
  }

  /**
   * Accepts a name, a full or partial ARN, with or without a qualifier, like Lambda does. A
   * qualifier selects that version (a number) or the version an alias points at; `$LATEST` or no
   * qualifier selects the current code. An unknown qualifier finds nothing.
   */
  lookup(functionName: string, qualifier?: string): LocalFunction | undefined {
    const split = splitFunctionName(functionName);
    const latest = this.byName.get(split.name);
    if (!latest) return undefined;
    const wanted = qualifier ?? split.qualifier;
    if (wanted === undefined || wanted === '$LATEST') return latest;
    const published = this.published.get(split.name);
    const version = /^\d+$/.test(wanted) ? wanted : published?.aliases.get(wanted);
    return version === undefined ? undefined : published?.versions.get(version);
  }

  /** The version a qualifier runs, as `ExecutedVersion` reports it. */
  executedVersion(functionName: string, qualifier?: string): string {
    const split = splitFunctionName(functionName);
    const wanted = qualifier ?? split.qualifier;
    if (wanted === undefined || wanted === '$LATEST') return '$LATEST';
    if (/^\d+$/.test(wanted)) return wanted;
    return this.published.get(split.name)?.aliases.get(wanted) ?? '$LATEST';
  }

  get(functionName: string, qualifier?: string): LocalFunction {
    const fn = this.lookup(functionName, qualifier);
    if (!fn) {
      const split = splitFunctionName(functionName);
      const wanted = qualifier ?? split.qualifier;
      const arn = `arn:aws:lambda:${this.region}:${this.accountId}:function:${split.name}${wanted ? `:${wanted}` : ''}`;
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
        const { FunctionName: name, Qualifier: qualifier } = (request ?? {}) as {
          FunctionName?: unknown;
          Qualifier?: unknown;
        };
        if (typeof name !== 'string' || name === '') {
          throw new LocalServiceError('InvalidParameterValueException', 'FunctionName is required');
        }
        const fn = this.get(name, typeof qualifier === 'string' ? qualifier : undefined);
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
    const split = splitFunctionName(input.FunctionName);
    if (
      input.Qualifier !== undefined &&
      split.qualifier !== undefined &&
      input.Qualifier !== split.qualifier
    ) {
      throw new LocalServiceError(
        'InvalidParameterValueException',
        'The derived qualifier from the function name does not match the specified qualifier.',
      );
    }
    const fn = this.get(input.FunctionName, input.Qualifier);
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
          ExecutedVersion: this.executedVersion(input.FunctionName, input.Qualifier),
          Payload: result.payload,
          ...(result.functionError ? { FunctionError: result.functionError } : {}),
          ...(input.LogType === 'Tail' ? { LogResult: logTail(result.logs) } : {}),
        };
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.background]);
    const all = new Set([...this.functions(), ...this.versions().map((v) => v.fn), ...this.retired]);
    await Promise.all([...all].map((fn) => fn.stop()));
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
