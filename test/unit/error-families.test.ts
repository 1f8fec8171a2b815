import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { InboxTransientError } from '../../functions/inbox/errors.js';
import { BusinessError, SagaError, StepsagaError, TransientError } from '../../functions/index.js';
import { Participant, SagaValidationError, StepsagaValidationError } from '../../infra/constructs/index.js';

describe('one error family per side', () => {
  it('construct validation errors carry the path of the construct that refused', () => {
    const stack = new Stack(new App(), 'Errors');
    let thrown: unknown;
    try {
      new Participant(stack, 'Inventory', { entry: 'unused.ts', barrierRetentionDays: 2 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StepsagaValidationError);
    expect(thrown).toMatchObject({ name: 'StepsagaValidationError', constructPath: 'Errors/Inventory' });
    expect((thrown as Error).message).toContain('(at construct Errors/Inventory)');
    expect(new SagaValidationError('x')).toBeInstanceOf(StepsagaValidationError);
  });

  it('handler errors keep their cause and share one base class', () => {
    const cause = new Error('ProvisionedThroughputExceededException');
    const transient = new TransientError('DynamoDB is throttling', { cause });
    const business = new BusinessError('Insufficient funds', 'INSUFFICIENT_FUNDS', { cause });
    expect(transient.cause).toBe(cause);
    expect(business).toMatchObject({ name: 'SagaBusinessError', code: 'INSUFFICIENT_FUNDS', cause });
    for (const error of [transient, business, new InboxTransientError('x')]) {
      expect(error).toBeInstanceOf(StepsagaError);
    }
    expect(transient).toBeInstanceOf(SagaError);
  });
});
