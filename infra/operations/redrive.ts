import { DescribeExecutionCommand, RedriveExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';

export interface RedriveOutcome {
  readonly executionArn: string;
  readonly redriveDate: Date | undefined;
  /** How many times the execution has been redriven, this one included. */
  readonly redriveCount: number | undefined;
}

/**
 * Step Functions RedriveExecution: a failed, timed-out or aborted Standard execution of the last
 * 14 days resumes at the state that did not succeed, with the same ARN and input; the steps that
 * succeeded are not run again. Refusals arrive as AWS's errors (ExecutionNotRedrivable, ...).
 */
export async function redriveExecution(sfn: SFNClient, executionArn: string): Promise<RedriveOutcome> {
  const { redriveDate } = await sfn.send(new RedriveExecutionCommand({ executionArn }));
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { executionArn, redriveDate, redriveCount: described.redriveCount };
}
