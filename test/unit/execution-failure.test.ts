import { describe, expect, it } from 'vitest';
import { executionFailure } from '../../infra/local/stepfunctions/history.js';

describe('what a failed execution reports', () => {
  it('has no error and no cause when a Fail state names neither, as on AWS', () => {
    expect(executionFailure('FailStateError', 'Execution failed because of a Fail state')).toEqual({});
  });

  it('drops the default of whichever of Error and Cause the Fail state leaves out, as on AWS', () => {
    // What the interpreter reports for {"Type": "Fail", "Error": "Job Failed"} and for a Cause alone.
    expect(executionFailure('Job Failed', 'Execution failed because of a Fail state')).toEqual({
      error: 'Job Failed',
    });
    expect(executionFailure('FailStateError', 'no stock')).toEqual({ cause: 'no stock' });
  });

  it('keeps the error and cause it failed with, serializing a cause that is not text', () => {
    expect(executionFailure('SagaCompensated', 'payment refused')).toEqual({
      error: 'SagaCompensated',
      cause: 'payment refused',
    });
    expect(executionFailure('Oops', { detail: 1 })).toEqual({ error: 'Oops', cause: '{"detail":1}' });
    expect(executionFailure('OnlyError', undefined)).toEqual({ error: 'OnlyError' });
  });
});
