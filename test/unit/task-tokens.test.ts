import { describe, expect, it } from 'vitest';
import { TaskTokens } from '../../infra/local/stepfunctions/task-tokens.js';

const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:Flow:one';

describe('task tokens', () => {
  it('keeps an answer that comes before the task waits, and gives it to the task when it does', async () => {
    const tokens = new TaskTokens();
    const token = tokens.issue(EXECUTION);
    expect(tokens.executionOf(token)).toBe(EXECUTION);
    tokens.heartbeat(token);
    tokens.succeed(token, '{"approved":true}');
    // Answered once: the task no longer exists for a second answer.
    expect(() => tokens.succeed(token, '{}')).toThrow(
      "Task Timed Out: 'Provided task does not exist anymore'",
    );
    await expect(tokens.wait(token, EXECUTION, undefined)).resolves.toEqual({ approved: true });
  });

  it('keeps an early failure the same way', async () => {
    const tokens = new TaskTokens();
    const token = tokens.issue(EXECUTION);
    tokens.fail(token, 'Refused', 'no stock');
    await expect(tokens.wait(token, EXECUTION, undefined)).rejects.toMatchObject({
      name: 'Refused',
      message: 'no stock',
    });
  });

  it('accepts a token from before a restart once the resumed execution has it again, and none after the execution ends', async () => {
    const tokens = new TaskTokens();
    const token = 'local-task-token-from-before-the-restart';
    expect(() => tokens.succeed(token, '{}')).toThrow('Task Timed Out');
    tokens.reissue(token, EXECUTION);
    const waiting = tokens.wait(token, EXECUTION, undefined);
    tokens.succeed(token, '{"late":1}');
    await expect(waiting).resolves.toEqual({ late: 1 });

    const other = tokens.issue(EXECUTION);
    tokens.dropExecution(EXECUTION);
    expect(tokens.executionOf(other)).toBeUndefined();
    expect(() => tokens.succeed(other, '{}')).toThrow('Task Timed Out');
  });
});
