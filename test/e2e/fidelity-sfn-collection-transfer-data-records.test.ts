import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { receiveMessages, useLocalCloud, waitForExecution } from '../../infra/local/testing/index.js';
import { engineClients, historyOf } from '../support/local-cloud.js';
import { buildTransferDataRecordsSample } from './fidelity/sfn-collection-transfer-data-records/stack.js';

// A public sample this project did not write; see fidelity/sfn-collection-transfer-data-records/README.md
// for its origin, licence, what the port changed and why each outcome below is what AWS gives.
const local = useLocalCloud(() => buildTransferDataRecordsSample(), {
  synthCache: { name: 'test/e2e/fidelity/sfn-collection-transfer-data-records' },
});

const messages = Array.from({ length: 10 }, (_, i) => `Hi! This is message no ${i}`);

describe('fidelity: step-functions-workflows-collection transfer-data-records', () => {
  it('seeds ten items through a callback handler, then moves each one to SQS in a Choice loop', async () => {
    const { cloud } = local;
    // "Leave the event as is": the template's ExecutionInput is `{}`.
    const { executionArn } = (await cloud.stepFunctions.call('StartExecution', {
      stateMachineArn: cloud.resources.find('DynamoDBToSQSStateMachine', 'stateMachine').arn,
      name: 'transfer',
      input: '{}',
    })) as { executionArn: string };
    const described = await waitForExecution(cloud, executionArn, 60_000);
    expect(described.status, `${described.error}: ${described.cause}`).toBe('SUCCEEDED');

    const entered = (await historyOf(cloud, executionArn))
      .filter((e) => e.type.endsWith('StateEntered'))
      .map((e) => (e.stateEnteredEventDetails as { name: string }).name);
    const loop = [
      'For Loop Condition',
      'Read Next Message from DynamoDB',
      'Send Message to SQS',
      'Pop Element from List',
    ];
    expect(entered).toEqual([
      'Seed the DynamoDB Table',
      ...Array.from({ length: 10 }, () => loop).flat(),
      'For Loop Condition',
      'Succeed',
    ]);
    // The last Pass state keeps only List, which is ["DONE"] when the Choice ends the loop.
    expect(JSON.parse(described.output ?? 'null')).toEqual({ List: ['DONE'] });

    const { Items = [] } = await engineClients(cloud).dynamodb.send(
      new ScanCommand({ TableName: cloud.resources.find('DDBTable', 'table').name, ConsistentRead: true }),
    );
    expect(Items.map((i) => unmarshall(i)).sort((a, b) => a.MessageId.localeCompare(b.MessageId))).toEqual(
      messages.map((Message, i) => ({ MessageId: `MessageNo${i}`, Message })),
    );

    const received = await receiveMessages(cloud, 'SQSQueue', { max: 20, waitSeconds: 5, delete: true });
    expect(received.map((m) => m.rawBody).sort()).toEqual(messages);
  });
});
