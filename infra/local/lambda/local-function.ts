import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LocalLogLine } from '../types.js';
import { INIT_BUDGET_MS, RUNTIME_PROVIDED_MODULE_PREFIXES, WORKER_SOURCE } from './worker-source.js';

/**
 * Where the modules the Lambda runtime provides (the AWS SDK v3) are resolved from when the code
 * folder lacks them: the project, then this library's own dependencies.
 */
const RUNTIME_MODULE_BASES = [join(process.cwd(), 'package.json'), fileURLToPath(import.meta.url)];

const YOUNG_GENERATION_MB = 2;

export interface LocalFunctionConfig {
  readonly stack: string;
  readonly logicalId: string;
  readonly path?: string;
  readonly name: string;
  /** The function's ARN; a published version's is qualified with its number. */
  readonly arn: string;
  /** The published version this is, e.g. `3`; `$LATEST` when undefined. */
  readonly version?: string;
  /** The folder holding the bundled code. */
  readonly codeDir: string;
  /** `module.export`, e.g. `index.handler`. */
  readonly handler: string;
  /** e.g. `nodejs22.x`, as deployed. */
  readonly runtime?: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  /** The function's own variables, intrinsics resolved. */
  readonly environment: Readonly<Record<string, string>>;
}

/** The Node.js Lambda runtime's error payload. */
export interface LambdaErrorPayload {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

export interface InvokeResult {
  readonly requestId: string;
  /** The JSON the handler returned, or the error payload's JSON. */
  readonly payload: string;
  readonly functionError?: 'Unhandled';
  /** Console output of this invocation, START/END/REPORT lines included, as Lambda's `LogResult` tail. */
  readonly logs: string;
  readonly durationMs: number;
}

interface Pending {
  readonly requestId: string;
  readonly startedAt: number;
  /** How long module loading took, on the invocation that cold-started the worker. */
  initMs?: number;
  readonly logs: string[];
  readonly resolve: (result: InvokeResult) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  readonly worker: Worker;
  /** The {@link LocalFunction.recycle} count when the worker started: older ones are not reused. */
  readonly generation: number;
  current?: Pending;
  dead: boolean;
  /** True once the handler module has loaded (the init phase is over). */
  initialized: boolean;
}

export interface LocalFunctionRuntime {
  readonly maxWorkers: number;
  /** Environment every worker gets before the function's own variables (endpoints, credentials). */
  baseEnvironment(config: LocalFunctionConfig): Record<string, string>;
  /** The function's own variables as a worker gets them. @default `config.environment` */
  functionEnvironment?(config: LocalFunctionConfig): Readonly<Record<string, string>>;
  /** Environment every worker gets after the function's own variables, overriding them. */
  readonly environmentOverrides?: Readonly<Record<string, string>>;
  readonly onLog: (line: LocalLogLine) => void;
  /**
   * Ports of the engines (by port, `dynamodb` or `sqs`) whose requests a worker reports through
   * `onEngineCall`, read when a worker starts; undefined reports nothing.
   */
  observedEnginePorts?(): Readonly<Record<string, EngineApi>> | undefined;
  /** A request a worker's SDK client sent straight to an engine, reported before it was sent. */
  onEngineCall?(config: LocalFunctionConfig, call: EngineCall): void;
}

/** The engines whose requests a worker can report. */
export type EngineApi = 'dynamodb' | 'sqs';

/** One request of a function to an engine, as the worker saw it leave. */
export interface EngineCall {
  readonly api: EngineApi;
  /** The `X-Amz-Target` header; empty for a query-protocol (form-encoded) request. */
  readonly target: string;
  /** The request's path and query. */
  readonly path: string;
  readonly body: string;
}

/**
 * One Lambda function: a bounded pool of worker threads, each with its own `process.env`, that
 * import the bundled handler once and serve one invocation at a time, like Lambda sandboxes.
 */
export class LocalFunction {
  private readonly slots = new Set<Slot>();
  private readonly idle: Slot[] = [];
  private readonly waiting: Array<(slot: Slot) => void> = [];
  private stopped = false;
  private retiring?: { resolve(): void; done: Promise<void> };
  private generation = 0;

  constructor(
    readonly config: LocalFunctionConfig,
    private readonly runtime: LocalFunctionRuntime,
  ) {}

  async invoke(event: unknown): Promise<InvokeResult> {
    const slot = await this.acquire();
    try {
      return await this.run(slot, event);
    } finally {
      this.release(slot);
    }
  }

  /**
   * Ends idle workers, and busy ones once their invocation is over, so that the next invocation
   * cold-starts with the current environment.
   */
  recycle(): void {
    this.generation += 1;
    for (const slot of this.idle.splice(0)) this.kill(slot);
  }

  /**
   * Ends the workers once the invocations under way have finished (a reload replaced this code);
   * resolves when the last one has ended.
   */
  retire(): Promise<void> {
    if (!this.retiring) {
      let resolve = () => {};
      const done = new Promise<void>((r) => {
        resolve = r;
      });
      this.retiring = { resolve, done };
      this.recycle();
      this.settleRetirement();
    }
    return this.retiring.done;
  }

  private settleRetirement(): void {
    if (this.retiring && this.slots.size === 0) this.retiring.resolve();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.slots].map((slot) => slot.worker.terminate()));
    this.slots.clear();
    this.idle.length = 0;
  }

  private acquire(): Promise<Slot> {
    if (this.stopped) return Promise.reject(new Error(`function ${this.config.name} is stopped`));
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    if (this.slots.size < this.runtime.maxWorkers) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    if (!slot.dead && slot.generation !== this.generation) this.kill(slot);
    const usable = slot.dead ? undefined : slot;
    const next = this.waiting.shift();
    if (next) {
      next(usable ?? this.spawn());
    } else if (usable && this.retiring) {
      this.kill(usable);
    } else if (usable) {
      this.idle.push(usable);
    }
    this.settleRetirement();
  }

  private kill(slot: Slot): void {
    slot.dead = true;
    this.slots.delete(slot);
    void slot.worker.terminate();
  }

  private spawn(): Slot {
    const env = {
      ...this.runtime.baseEnvironment(this.config),
      ...(this.runtime.functionEnvironment?.(this.config) ?? this.config.environment),
      ...this.runtime.environmentOverrides,
    };
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      env,
      workerData: {
        codeDir: this.config.codeDir,
        handler: this.config.handler,
        runtimeModuleBases: RUNTIME_MODULE_BASES,
        runtimeModulePrefixes: RUNTIME_PROVIDED_MODULE_PREFIXES,
        observedPorts: this.runtime.observedEnginePorts?.(),
      },
      stdout: true,
      stderr: true,
      // V8 grows a busy isolate's young generation to 32-48 MiB, and a worker's pages stay resident
      // once touched. Capped, each worker of the example app peaks ~10 MiB lower (measured with
      // `npm run bench:local-cloud`) at no measurable cost in throughput: handlers allocate little
      // that survives a request. The old generation, what a handler keeps, is left unbounded.
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    const slot: Slot = { worker, generation: this.generation, dead: false, initialized: false };
    this.slots.add(slot);
    worker.unref();
    for (const [stream, level] of [
      [worker.stdout, 'info'],
      [worker.stderr, 'error'],
    ] as const) {
      createInterface({ input: stream }).on('line', (line) => this.log(slot, line, level));
    }
    worker.on('message', (message: WorkerAnswer | { readonly engineCall: EngineCall }) => {
      if ('engineCall' in message) {
        this.runtime.onEngineCall?.(this.config, message.engineCall);
        return;
      }
      const pending = slot.current;
      if (!pending || message.id !== pending.requestId) return;
      if ('phase' in message) {
        if (message.ok) {
          slot.initialized = true;
          pending.initMs = Date.now() - pending.startedAt;
          this.startHandlerTimer(slot, pending);
        } else {
          // Lambda discards a sandbox whose init failed; the next invocation initializes anew.
          this.finishWithError(slot, message.error);
          this.kill(slot);
        }
        return;
      }
      if (message.ok) this.finish(slot, message.payload);
      else this.finish(slot, JSON.stringify(message.error), true);
    });
    worker.on('error', (error: Error) => {
      // An exception the handler did not await (or a throw from a timer) kills the sandbox.
      slot.dead = true;
      this.finishWithError(slot, {
        errorType: error.name || 'Error',
        errorMessage: error.message,
        trace: error.stack?.split('\n') ?? [],
      });
    });
    worker.on('exit', (code) => {
      slot.dead = true;
      this.slots.delete(slot);
      const index = this.idle.indexOf(slot);
      if (index >= 0) this.idle.splice(index, 1);
      const pending = slot.current;
      if (pending) {
        const reason =
          code === 0
            ? 'Runtime exited without providing a reason'
            : `Runtime exited with error: exit status ${code}`;
        this.finishWithError(slot, {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${pending.requestId} Error: ${reason}`,
        });
      }
    });
    return slot;
  }

  private run(slot: Slot, event: unknown): Promise<InvokeResult> {
    const requestId = randomUUID();
    const timeoutMs = this.config.timeoutSeconds * 1000;
    return new Promise<InvokeResult>((resolve) => {
      const pending: Pending = { requestId, startedAt: Date.now(), logs: [], resolve };
      slot.current = pending;
      if (slot.initialized) {
        this.startHandlerTimer(slot, pending);
      } else {
        pending.logs.push(`INIT_START Runtime Version: nodejs:22.v-local`);
        // Init has its own budget; past it Lambda retries init inside the invocation, under the
        // function's timeout, which the handler timer then approximates.
        pending.timer = setTimeout(() => {
          this.log(
            slot,
            `INIT_REPORT Init Duration: ${INIT_BUDGET_MS.toFixed(2)} ms Phase: init Status: timeout`,
            'error',
          );
          this.startHandlerTimer(slot, pending);
        }, INIT_BUDGET_MS);
      }
      slot.worker.postMessage({
        id: requestId,
        event,
        timeoutMs,
        context: {
          functionName: this.config.name,
          functionVersion: '$LATEST',
          invokedFunctionArn: this.config.arn,
          memoryLimitInMB: String(this.config.memorySize),
          awsRequestId: requestId,
          logGroupName: `/aws/lambda/${this.config.name}`,
          logStreamName: `local/[$LATEST]${requestId.replaceAll('-', '')}`,
        },
      });
    });
  }

  private startHandlerTimer(slot: Slot, pending: Pending): void {
    clearTimeout(pending.timer);
    const { requestId } = pending;
    pending.logs.push(`START RequestId: ${requestId} Version: $LATEST`);
    pending.timer = setTimeout(() => {
      const seconds = this.config.timeoutSeconds.toFixed(2);
      this.log(
        slot,
        `${new Date().toISOString()} ${requestId} Task timed out after ${seconds} seconds`,
        'error',
      );
      this.finishWithError(slot, {
        errorType: 'Sandbox.Timedout',
        errorMessage: `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`,
      });
      this.kill(slot);
    }, this.config.timeoutSeconds * 1000);
  }

  private finishWithError(slot: Slot, error: LambdaErrorPayload): void {
    this.finish(slot, JSON.stringify(error), true);
  }

  private finish(slot: Slot, payload: string, failed = false): void {
    const pending = slot.current;
    if (!pending) return;
    slot.current = undefined;
    clearTimeout(pending.timer);
    const durationMs = Date.now() - pending.startedAt - (pending.initMs ?? 0);
    pending.logs.push(`END RequestId: ${pending.requestId}`);
    pending.logs.push(
      `REPORT RequestId: ${pending.requestId}\tDuration: ${durationMs.toFixed(2)} ms\tMemory Size: ${this.config.memorySize} MB` +
        (pending.initMs !== undefined ? `\tInit Duration: ${pending.initMs.toFixed(2)} ms` : ''),
    );
    pending.resolve({
      requestId: pending.requestId,
      payload,
      ...(failed ? { functionError: 'Unhandled' as const } : {}),
      logs: `${pending.logs.join('\n')}\n`,
      durationMs,
    });
  }

  private log(slot: Slot, message: string, level: LocalLogLine['level']): void {
    const requestId = slot.current?.requestId;
    slot.current?.logs.push(message);
    this.runtime.onLog({
      timestamp: Date.now(),
      source: 'lambda',
      resource: this.config.name,
      ...(requestId ? { requestId } : {}),
      level,
      message,
    });
  }
}

type WorkerAnswer =
  | { readonly id: string; readonly phase: 'init'; readonly ok: true }
  | { readonly id: string; readonly phase: 'init'; readonly ok: false; readonly error: LambdaErrorPayload }
  | { readonly id: string; readonly ok: true; readonly payload: string }
  | { readonly id: string; readonly ok: false; readonly error: LambdaErrorPayload };
