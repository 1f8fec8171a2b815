import { randomBytes } from 'node:crypto';
import { LocalServiceError } from '../errors.js';
import { TaskFailure } from './task-failure.js';

interface Waiter {
  readonly executionArn: string;
  resolve(output: unknown): void;
  reject(error: Error): void;
  heartbeatSeconds?: number;
  timer?: NodeJS.Timeout;
  settled: boolean;
}

const TOKEN_PREFIX = 'local-task-token-';

/** Task tokens of `.waitForTaskToken` states and the callbacks that complete them. */
export class TaskTokens {
  private readonly waiters = new Map<string, Waiter>();

  issue(): string {
    return `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
  }

  /** Waits for SendTaskSuccess/Failure on the token; times out when heartbeats stop. */
  wait(token: string, executionArn: string, heartbeatSeconds: number | undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        executionArn,
        resolve,
        reject,
        settled: false,
        ...(heartbeatSeconds ? { heartbeatSeconds } : {}),
      };
      this.waiters.set(token, waiter);
      this.armHeartbeat(token, waiter);
    });
  }

  private armHeartbeat(token: string, waiter: Waiter): void {
    clearTimeout(waiter.timer);
    if (!waiter.heartbeatSeconds) return;
    waiter.timer = setTimeout(() => {
      this.settle(token, waiter);
      waiter.reject(new TaskFailure('States.HeartbeatTimeout', ''));
    }, waiter.heartbeatSeconds * 1000);
  }

  private settle(token: string, waiter: Waiter): void {
    waiter.settled = true;
    clearTimeout(waiter.timer);
    this.waiters.delete(token);
  }

  private find(token: unknown): [string, Waiter] {
    if (typeof token !== 'string' || !token.startsWith(TOKEN_PREFIX)) {
      throw new LocalServiceError('InvalidToken', `Invalid Token: '${String(token)}'`);
    }
    const waiter = this.waiters.get(token);
    if (!waiter || waiter.settled) {
      throw new LocalServiceError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    return [token, waiter];
  }

  succeed(token: unknown, output: unknown): void {
    if (typeof output !== 'string')
      throw new LocalServiceError('InvalidOutput', 'output is required and must be a JSON string');
    let parsed: unknown;
    try {
      parsed = JSON.parse(output);
    } catch {
      throw new LocalServiceError('InvalidOutput', `Invalid State Machine Output: '${output}'`);
    }
    const [key, waiter] = this.find(token);
    this.settle(key, waiter);
    waiter.resolve(parsed);
  }

  fail(token: unknown, error: unknown, cause: unknown): void {
    const [key, waiter] = this.find(token);
    this.settle(key, waiter);
    waiter.reject(
      new TaskFailure(typeof error === 'string' ? error : '', typeof cause === 'string' ? cause : ''),
    );
  }

  heartbeat(token: unknown): void {
    const [key, waiter] = this.find(token);
    this.armHeartbeat(key, waiter);
  }

  /** The execution waiting on a token, while it waits. */
  executionOf(token: string): string | undefined {
    return this.waiters.get(token)?.executionArn;
  }

  /** Forgets the tokens of an execution that ended (stopped, timed out, failed elsewhere). */
  dropExecution(executionArn: string): void {
    for (const [token, waiter] of this.waiters) {
      if (waiter.executionArn === executionArn) this.settle(token, waiter);
    }
  }
}
