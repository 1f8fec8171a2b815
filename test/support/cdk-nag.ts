import type { Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/**
 * What cdk-nag's AwsSolutions and Serverless packs find in `stack` and nobody acknowledged, one
 * "<rule> <construct paths>" line per violation; empty when the stack is clean.
 */
export function unacknowledgedFindings(stack: Stack, root: IConstruct = stack): string[] {
  return [new AwsSolutionsChecks(root), new ServerlessChecks(root)].flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`),
  );
}
