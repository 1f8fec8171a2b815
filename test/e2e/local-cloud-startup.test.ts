import { describe, expect, it } from 'vitest';
import { LocalCloudStartError, startLocalCloud } from '../../infra/local/index.js';
import { buildTinyApp } from './fixtures/tiny-app.js';

const startFailure = async (
  variant: 'unmapped-task' | 'unsupported-features',
): Promise<LocalCloudStartError> => {
  try {
    const cloud = await startLocalCloud({ app: () => buildTinyApp(variant) });
    await cloud.stop();
  } catch (error) {
    if (error instanceof LocalCloudStartError) return error;
    throw error;
  }
  throw new Error(`the ${variant} app started, but it must not`);
};

describe('local cloud start-up refuses what it cannot run', () => {
  it('lists every Task without a local integration, nested in Parallel branches too', async () => {
    const error = await startFailure('unmapped-task');
    expect(error.problems).toEqual([
      'state machine Tiny/Broken/Resource, state "CallOutsideFunction": Resource arn:aws:lambda:us-east-1:123456789012:function:NotInThisApp is not a function of the app, so it cannot run locally',
      'state machine Tiny/Broken/Resource, state "ListBuckets": Resource arn:aws:states:::aws-sdk:s3:listBuckets has no local integration (supported: Lambda function ARNs, arn:aws:states:::lambda:invoke[.waitForTaskToken], arn:aws:states:::sqs:sendMessage[.waitForTaskToken], arn:aws:states:::dynamodb:getItem|putItem|updateItem|deleteItem, arn:aws:states:::sns:publish[.waitForTaskToken], arn:aws:states:::events:putEvents[.waitForTaskToken], arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken])',
    ]);
    expect(error.message).toMatch(
      /^The app cannot run on the local cloud:\n {2}- state machine Tiny\/Broken\/Resource/,
    );
  });

  it('names the state using Assign or JSONata', async () => {
    const error = await startFailure('unsupported-features');
    expect(error.problems).toEqual([
      'state machine Tiny/Fancy/Resource, state "Remember": Assign (workflow variables) is not supported by the local interpreter',
      'state machine Tiny/Fancy/Resource, state "Transform": JSONata (QueryLanguage/Arguments/Output) is not supported by the local interpreter; use JSONPath',
    ]);
  });
});
