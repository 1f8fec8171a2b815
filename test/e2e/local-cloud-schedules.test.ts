import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalCloud, type LocalLogLine, startLocalCloud } from '../../infra/local/index.js';
import { engineClients, eventually } from '../support/local-cloud.js';

/** Counts its invocations per `counter` (the target's Input) or per detail-type (the scheduled event). */
const TICKER = `
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
const client = new DynamoDBClient({});
export const handler = async (event) => {
  await client.send(new UpdateItemCommand({
    TableName: process.env.TABLE_NAME,
    Key: { pk: { S: event.counter ?? event['detail-type'] } },
    UpdateExpression: 'ADD ticks :one SET lastEvent = :event',
    ExpressionAttributeValues: { ':one': { N: '1' }, ':event': { S: JSON.stringify(event) } },
  }));
};
`;

const codeDir = mkdtempSync(join(tmpdir(), 'stepsaga-ticker-'));
writeFileSync(join(codeDir, 'index.mjs'), TICKER);
afterAll(() => rmSync(codeDir, { recursive: true, force: true }));

/** One function behind five rules: two schedules that run locally, a pattern rule on the default bus, and two that never fire. */
function buildScheduledApp(): App {
  const app = new App();
  const stack = new Stack(app, 'Sched');
  const table = new dynamodb.TableV2(stack, 'Ticks', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const ticker = new lambda.Function(stack, 'Ticker', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromAsset(codeDir),
    timeout: Duration.seconds(5),
    environment: { TABLE_NAME: table.tableName },
  });
  const target = (counter?: string) =>
    new targets.LambdaFunction(
      ticker,
      counter ? { event: events.RuleTargetInput.fromObject({ counter }) } : {},
    );
  const minute = events.Schedule.rate(Duration.minutes(1));
  new events.Rule(stack, 'EveryMinute', { schedule: minute, targets: [target()] });
  new events.Rule(stack, 'WithInput', { schedule: minute, targets: [target('with-input')] });
  new events.Rule(stack, 'Nightly', {
    schedule: events.Schedule.cron({ minute: '0', hour: '3' }),
    targets: [target('nightly')],
  });
  new events.Rule(stack, 'OnUpload', { eventPattern: { source: ['aws.s3'] }, targets: [target('upload')] });
  new events.Rule(stack, 'Paused', { schedule: minute, enabled: false, targets: [target('paused')] });
  return app;
}

async function ticks(cloud: LocalCloud): Promise<Record<string, { ticks: number; lastEvent: unknown }>> {
  const { dynamodb: client } = engineClients(cloud);
  const { Items = [] } = await client.send(
    new ScanCommand({ TableName: cloud.resources.find('Ticks', 'table').name, ConsistentRead: true }),
  );
  return Object.fromEntries(
    Items.map((item) => {
      const { pk, ticks, lastEvent } = unmarshall(item) as { pk: string; ticks: number; lastEvent: string };
      return [pk, { ticks, lastEvent: JSON.parse(lastEvent) as unknown }];
    }),
  );
}

const ruleOf = (cloud: LocalCloud, id: string) => cloud.resources.find(id, 'eventRule');
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scheduled EventBridge rules on the local cloud', () => {
  it('invokes the targets of enabled rate rules on the sped-up schedule, and lists the rules that never fire', async () => {
    const logs: LocalLogLine[] = [];
    const cloud = await startLocalCloud({
      app: buildScheduledApp,
      scheduleRateDivisor: 300,
      onLog: (line) => logs.push(line),
    });
    try {
      expect(ruleOf(cloud, 'EveryMinute').eventRule).toEqual({
        trigger: 'rate(1 minute)',
        localPeriodMs: 200,
      });
      expect(ruleOf(cloud, 'Nightly').eventRule).toEqual({
        trigger: 'cron(0 3 * * ? *)',
        notRunReason: 'cron(0 3 * * ? *) is a cron schedule; the local cloud runs rate(...) schedules only',
      });
      expect(ruleOf(cloud, 'OnUpload').eventRule).toEqual({ trigger: 'event pattern', eventBus: 'default' });
      expect(ruleOf(cloud, 'Paused').eventRule).toEqual({
        trigger: 'rate(1 minute)',
        notRunReason: 'its State is DISABLED',
      });
      expect(
        logs
          .filter((l) => l.level === 'warn' && l.message.includes('never fires locally'))
          .map((l) => l.message),
      ).toEqual([
        'event rule Sched/Nightly/Resource (cron(0 3 * * ? *)) never fires locally: cron(0 3 * * ? *) is a cron schedule; the local cloud runs rate(...) schedules only',
        'event rule Sched/Paused/Resource (rate(1 minute)) never fires locally: its State is DISABLED',
      ]);

      // Three ticks of each take 600 ms; a loaded machine needs longer for the first cold start.
      const seen = await eventually(
        async () => {
          const now = await ticks(cloud);
          const counts = Object.values(now).map((c) => c.ticks);
          return counts.length >= 2 && counts.every((n) => n >= 3) ? now : undefined;
        },
        15_000,
        'three ticks of each running rule',
      );
      expect(Object.keys(seen).sort()).toEqual(['Scheduled Event', 'with-input']);
      expect(seen['Scheduled Event']?.ticks).toBeGreaterThanOrEqual(3);
      expect(seen['with-input']?.ticks).toBeGreaterThanOrEqual(3);
      expect(seen['Scheduled Event']?.lastEvent).toMatchObject({
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: cloud.accountId,
        region: cloud.region,
        resources: [ruleOf(cloud, 'EveryMinute').arn],
        detail: {},
      });
      expect(seen['with-input']?.lastEvent).toEqual({ counter: 'with-input' });
    } finally {
      await cloud.stop();
    }
  });

  it('keeps every rule idle with runSchedules: false', async () => {
    const cloud = await startLocalCloud({
      app: buildScheduledApp,
      scheduleRateDivisor: 300,
      runSchedules: false,
    });
    try {
      expect(ruleOf(cloud, 'EveryMinute').eventRule).toEqual({
        trigger: 'rate(1 minute)',
        notRunReason: 'schedules are off (runSchedules: false)',
      });
      await wait(1_000);
      expect(await ticks(cloud)).toEqual({});
    } finally {
      await cloud.stop();
    }
  });
});
