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

/** An answer that came before its task started waiting. */
type EarlyAnswer =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: Error };

/**
 * Task tokens of `.waitForTaskToken` states and the callbacks that complete them. A token is valid
 * from the moment it is issued, as on AWS: a callback may answer before the task's own request (the
 * SQS message, the Lambda invocation carrying the token) has returned, or before a resumed execution
 * has reached its task again after a restart. Such an answer is kept until the task waits.
 */
export class TaskTokens {
  private readonly waiters = new Map<string, Waiter>();
  /** Tokens handed to a task that is not waiting yet, with their execution. */
  private readonly issued = new Map<string, string>();
  private readonly early = new Map<string, { readonly executionArn: string; readonly answer: EarlyAnswer }>();

  issue(executionArn: string): string {
    const token = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
    this.issued.set(token, executionArn);
    return token;
  }

  /** A token issued before a restart, which the resumed execution's task will wait on again. */
  reissue(token: string, executionArn: string): void {
    this.issued.set(token, executionArn);
  }

  /** Waits for SendTaskSuccess/Failure on the token; times out when heartbeats stop. */
  wait(token: string, executionArn: string, heartbeatSeconds: number | undefined): Promise<unknown> {
    this.issued.delete(token);
    const early = this.early.get(token);
    if (early) {
      this.early.delete(token);
      return early.answer.ok ? Promise.resolve(early.answer.output) : Promise.reject(early.answer.error);
    }
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
    if (this.answerEarly(token, { ok: true, output: parsed })) return;
    const [key, waiter] = this.find(token);
    this.settle(key, waiter);
    waiter.resolve(parsed);
  }

  fail(token: unknown, error: unknown, cause: unknown): void {
    const failure = new TaskFailure(
      typeof error === 'string' ? error : '',
      typeof cause === 'string' ? cause : '',
    );
    if (this.answerEarly(token, { ok: false, error: failure })) return;
    const [key, waiter] = this.find(token);
    this.settle(key, waiter);
    waiter.reject(failure);
  }

  heartbeat(token: unknown): void {
    // A task not waiting yet has nothing to time out.
    if (typeof token === 'string' && this.issued.has(token)) return;
    const [key, waiter] = this.find(token);
    this.armHeartbeat(key, waiter);
  }

  /** Keeps the answer for a task that was given the token and is not waiting yet. */
  private answerEarly(token: unknown, answer: EarlyAnswer): boolean {
    if (typeof token !== 'string') return false;
    const executionArn = this.issued.get(token);
    if (executionArn === undefined) return false;
    this.issued.delete(token);
    this.early.set(token, { executionArn, answer });
    return true;
  }

  /** The execution a token belongs to, from the moment it was issued until it is answered. */
  executionOf(token: string): string | undefined {
    return this.waiters.get(token)?.executionArn ?? this.issued.get(token);
  }

  /** Forgets the tokens of an execution that ended (stopped, timed out, failed elsewhere). */
  dropExecution(executionArn: string): void {
    for (const [token, waiter] of this.waiters) {
      if (waiter.executionArn === executionArn) this.settle(token, waiter);
    }
    for (const [token, owner] of this.issued) if (owner === executionArn) this.issued.delete(token);
    for (const [token, { executionArn: owner }] of this.early)
      if (owner === executionArn) this.early.delete(token);
  }
}
