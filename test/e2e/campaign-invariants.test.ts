import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalCloud } from '../../infra/local/testing/index.js';
import { ALL_FAULT_KINDS, DEFAULT_PROFILE } from '../campaign/arbitraries.js';
import { describeFailure, runCampaign, statsTable } from '../campaign/campaign.js';
import { buildCampaignApp } from '../campaign/campaign-app.js';
import { type CampaignEnvironment, campaignEnvironment } from '../campaign/environment.js';

// The CI subset of the fault campaign (the long run is `npm run campaign`). One shared cloud; each
// run uses fresh ids. CAMPAIGN_SEED replays a failure printed by an earlier run.
const SEED = Number(process.env.CAMPAIGN_SEED ?? 20_260_101);
const RUNS = Number(process.env.CAMPAIGN_RUNS ?? 14);

const local = useLocalCloud(() => buildCampaignApp(), {
  retryIntervalDivisor: 50,
  synthCache: { name: 'test/campaign/campaign-app.ts' },
  // An empty plan routes the functions' DynamoDB traffic through the fault proxy.
  faults: {},
});

describe('fault campaign on the example app, HoldOrder and BookTrip', () => {
  let env: CampaignEnvironment;
  beforeAll(async () => {
    env = await campaignEnvironment(local.cloud);
  });
  afterAll(() => {
    env?.dynamodb.destroy();
    env?.sqs.destroy();
  });

  it('keeps stock and money conserved, every saga instance finished and every outbox event written once, under random fault schedules', async () => {
    const result = await runCampaign(env, {
      seed: SEED,
      numRuns: RUNS,
      // Trips in a few runs only and no late bank: a run lasts as long as its slowest trip.
      profile: {
        ...DEFAULT_PROFILE,
        maxOrders: 4,
        maxTransfers: 3,
        maxTrips: 3,
        tripRunsPerMille: 150,
        lateBankPerMille: 0,
      },
    });
    console.log(`fault campaign, seed ${SEED}:\n${statsTable(result.stats)}`);
    if (result.failure) console.log(describeFailure(result.failure));
    expect(result.failure, result.failure ? describeFailure(result.failure) : '').toBeUndefined();
    expect(result.stats.violations).toBe(0);
    expect(result.stats.runs).toBe(RUNS);
    // The schedules must actually break things: every kind of fault fired at least once.
    // Labels refine a kind ("error SagaBusinessError", "timeout on compensation"); count them together.
    const fired = (kind: string) =>
      Object.entries(result.stats.faults)
        .filter(([label]) => label === kind || label.startsWith(`${kind} `))
        .reduce((sum, [, n]) => sum + n, 0);
    for (const kind of [...ALL_FAULT_KINDS, 'redeliver', 'visibility-expiry'])
      expect(fired(kind), `${kind} faults injected`).toBeGreaterThan(0);
    // HoldOrder ran next to orders with the same execution name, with payloads over both budgets.
    for (const label of ['HoldOrder', 'HoldOrder input over budget', 'HoldOrder label over budget'])
      expect(result.stats.sagas[label] ?? 0, label).toBeGreaterThan(0);
    expect(result.stats.outcomes['input refused'] ?? 0).toBeGreaterThan(0);
    // A few trips ran under the same schedules and some of them compensated.
    expect(result.stats.sagas['BookTrip'] ?? 0).toBeGreaterThan(0);
    expect(result.stats.outcomesBySaga['BookTrip compensated'] ?? 0).toBeGreaterThan(0);
  });
});
