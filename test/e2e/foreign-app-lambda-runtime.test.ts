import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, getItemByPk, historyOf } from '../support/local-cloud.js';
import { buildForeignApp } from './fixtures/foreign-app.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

// Synthesized through the synth cache, so the code assets live inside this project, under its
// `"type": "module"` package.json, as they do for `stepsaga local up`.
const local = useLocalCloud(buildForeignApp, {
  synthCache: { name: 'test/e2e/fixtures/foreign-app.ts', projectRoot },
});

interface Invoked {
  readonly StatusCode: number;
  readonly FunctionError?: string;
  readonly Payload: string;
  readonly LogResult?: string;
}

const invoke = async (logicalId: string, event: unknown = {}, tail = false): Promise<Invoked> =>
  (await local.cloud.lambda.call('Invoke', {
    FunctionName: local.cloud.resources.find(logicalId, 'function').name,
    Payload: JSON.stringify(event),
    ...(tail ? { LogType: 'Tail' } : {}),
  })) as Invoked;

describe('Lambda runtime semantics for handlers written for AWS', () => {
  it('runs a .js handler of a folder without package.json as CommonJS, with the runtime’s AWS SDK v3', async () => {
    const out = await invoke('CjsAsset', { id: 'c-1' });
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(out.Payload)).toEqual({
      id: 'c-1',
      greeting: 'hello from a CommonJS sibling',
      moduleSystem: 'commonjs',
    });
    const { dynamodb } = engineClients(local.cloud);
    const table = local.cloud.resources.find('Items', 'table').name;
    expect((await getItemByPk(dynamodb, table, 'cjs#c-1'))?.greeting).toEqual({
      S: 'hello from a CommonJS sibling',
    });
  });

  it('runs a .js handler as ESM when the folder’s own package.json says "type": "module"', async () => {
    const out = await invoke('EsmAsset');
    expect(JSON.parse(out.Payload)).toEqual({ moduleSystem: 'esm', sdk: 'function' });
  });

  it('does not let a handler reach packages the runtime does not provide', async () => {
    const out = await invoke('OutsidePackage');
    expect(out.FunctionError).toBe('Unhandled');
    const payload = JSON.parse(out.Payload);
    expect(payload.errorType).toBe('Runtime.ImportModuleError');
    expect(payload.errorMessage).toMatch(/^Error: Cannot find module 'aws-cdk-lib'/);
  });

  it('waits for the empty event loop after callback(), unless callbackWaitsForEmptyEventLoop is false', async () => {
    const waited = await invoke('Callback', { mode: 'wait', workMs: 600 }, true);
    expect(waited.FunctionError).toBeUndefined();
    expect(JSON.parse(waited.Payload)).toMatchObject({ sdk: 'function', pendingWorkSeen: 0 });
    const waitedMs = reportedDuration(waited);
    expect(waitedMs).toBeGreaterThanOrEqual(550);

    const early = await invoke('Callback', { mode: 'dontWait', workMs: 600 }, true);
    expect(JSON.parse(early.Payload)).toMatchObject({ sdk: 'function', pendingWorkSeen: 1 });
    expect(reportedDuration(early)).toBeLessThan(400);
  });

  it('ignores a plain return value, answers callback errors and context.succeed like the runtime', async () => {
    expect((await invoke('Callback', { mode: 'return' })).Payload).toBe('null');
    const failed = await invoke('Callback', { mode: 'fail' });
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(failed.Payload)).toMatchObject({
      errorType: 'Error',
      errorMessage: 'refused by callback',
    });
    expect(JSON.parse((await invoke('Callback', { mode: 'succeed' })).Payload)).toEqual({
      via: 'context.succeed',
    });
  });

  it('gives module loading its own init budget, outside the handler timeout', async () => {
    const out = await invoke('SlowInit', {}, true);
    expect(out.FunctionError).toBeUndefined();
    expect(JSON.parse(out.Payload).initMs).toBeGreaterThanOrEqual(1400);
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(
      /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tMemory Size: 128 MB\tInit Duration: /,
    );
    // Warm: no init the second time.
    const warm = await invoke('SlowInit', {}, true);
    expect(Buffer.from(warm.LogResult ?? '', 'base64').toString('utf8')).not.toContain('Init Duration');
  });

  it('reports load failures with the runtime’s error types', async () => {
    const missing = JSON.parse((await invoke('MissingModule')).Payload);
    expect(missing.errorType).toBe('Runtime.ImportModuleError');
    expect(missing.errorMessage).toMatch(/^Error: Cannot find module 'left-pad'/);

    const noHandler = JSON.parse((await invoke('NoHandler')).Payload);
    expect(noHandler).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.handler is undefined or not exported',
    });

    const syntax = JSON.parse((await invoke('BadSyntax')).Payload);
    expect(syntax.errorType).toBe('Runtime.UserCodeSyntaxError');
    expect(syntax.errorMessage).toMatch(/^SyntaxError: /);
  });

  it('answers LogType Tail with the base64 tail of the invocation log', async () => {
    const out = await invoke('CjsAsset', { id: 'c-2' }, true);
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    expect(log).toMatch(/^(INIT_START .*\n)?START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
    expect(log).toMatch(/END RequestId: [0-9a-f-]{36}\nREPORT RequestId: /);
  });
});

describe('a state machine loaded with DefinitionBody.fromFile, with dynamodb:* tasks', () => {
  it('starts, passes raw AttributeValue JSON through and raises DynamoDB’s error names', async () => {
    const machine = local.cloud.resources.find('FromFile', 'stateMachine');
    const { executionArn } = (await local.cloud.stepFunctions.call('StartExecution', {
      stateMachineArn: machine.arn,
      input: JSON.stringify({ id: 'd-1' }),
    })) as { executionArn: string };
    const done = await waitForExecution(local.cloud, executionArn);
    expect(done.status).toBe('SUCCEEDED');
    const output = JSON.parse(done.output ?? '{}');
    expect(output.listError).toEqual({
      Error: 'DynamoDB.AmazonDynamoDBException',
      Cause: expect.stringMatching(
        /^Supplied AttributeValue is empty, must contain exactly one of the supported datatypes \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: [^;]*; Proxy: null\)$/,
      ),
    });
    const table = local.cloud.resources.find('Items', 'table').name;
    const { dynamodb } = engineClients(local.cloud);
    expect(await getItemByPk(dynamodb, table, 'list#d-1')).toBeUndefined();
    expect(output.conditionError).toEqual({
      Error: 'DynamoDB.ConditionalCheckFailedException',
      Cause: expect.stringMatching(
        /^The conditional request failed \(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: [^;]*; Proxy: null\)$/,
      ),
    });
    // The request reaches DynamoDB as written; DynamoDB Local reads the string "false" as false.
    expect(output.boolError).toBeUndefined();
    expect(output.read.Item).toEqual({ pk: { S: 'bool#d-1' }, flag: { BOOL: false } });
    const failed = (await historyOf(local.cloud, executionArn)).filter((e) => e.type === 'TaskFailed');
    expect(failed.map((e) => (e.taskFailedEventDetails as { error: string }).error)).toContain(
      'DynamoDB.ConditionalCheckFailedException',
    );
  });
});

function reportedDuration(out: Invoked): number {
  const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
  const match = /REPORT RequestId: \S+\tDuration: ([\d.]+) ms/.exec(log);
  if (!match?.[1]) throw new Error(`no REPORT line in ${log}`);
  return Number(match[1]);
}
