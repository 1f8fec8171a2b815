import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQS_INVALID_BODY_CHARACTER } from '../../infra/local/sqs-emulator-module.js';
import { type SqsEmulator, startSqsEmulator } from '../support/sqs-emulator.js';

let emulator: SqsEmulator;
beforeAll(async () => {
  emulator = await startSqsEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

describe('message bodies the SQS emulator accepts', () => {
  it('matches SQS’s character set: supplementary planes in, lone surrogates and control characters out', () => {
    expect(SQS_INVALID_BODY_CHARACTER.test('order \u{1F6D2} \u{10FFFF} \t\r\n')).toBe(false);
    expect(SQS_INVALID_BODY_CHARACTER.test('half \uD83D pair')).toBe(true);
    expect(SQS_INVALID_BODY_CHARACTER.test('bell \u0007')).toBe(true);
    expect(SQS_INVALID_BODY_CHARACTER.test('\uFFFE')).toBe(true);
  });

  it('delivers emoji bodies sent one by one and in a batch, unchanged', async () => {
    const { queueUrl } = emulator.createQueue('unicode-bodies');
    const body = JSON.stringify({ orderId: 'o-\u{1F6D2}-\u{1F600}' });
    await emulator.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const batch = await emulator.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'emoji', MessageBody: `${body} \u{1F389}` },
          { Id: 'lone', MessageBody: 'broken \uD83D' },
        ],
      }),
    );
    expect(batch.Successful?.map((e) => e.Id)).toEqual(['emoji']);
    expect(batch.Failed).toEqual([expect.objectContaining({ Id: 'lone', Code: 'InvalidMessageContents' })]);
    const received = await emulator.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(received.Messages?.map((m) => m.Body).sort()).toEqual([body, `${body} \u{1F389}`].sort());
  });
});
