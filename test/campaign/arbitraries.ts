import fc from 'fast-check';
import type {
  EventFaultSpec,
  FaultSpec,
  HoldSpec,
  OrderSpec,
  PayloadSize,
  RunSpec,
  TransferSpec,
  TripSpec,
} from './run-spec.js';
import { TRIP_FAILURES } from './run-spec.js';
import {
  BOOK_TRIP_STEPS,
  HOLD_ORDER_STEPS,
  PLACE_ORDER_STEPS,
  TRANSFER_STEPS,
  type WorkloadStep,
} from './workloads.js';

export type FaultKindName = FaultSpec['kind'];

export const ALL_FAULT_KINDS: readonly FaultKindName[] = [
  'error',
  'timeout',
  'crash-after-commit',
  'duplicate',
  'delay',
  'transaction-conflict',
  'throttling',
];

export interface CampaignProfile {
  /** Most PlaceOrder executions per run. */
  readonly maxOrders: number;
  /** Most Transfer executions per run. */
  readonly maxTransfers: number;
  /**
   * How many orders in a thousand also get a HoldOrder with the same execution name (0 for none).
   */
  readonly holdsPerMille: number;
  /** Most BookTrip executions per run. */
  readonly maxTrips: number;
  /**
   * How many runs in a thousand start trips (1000: any run may, with 0 to `maxTrips` of them);
   * fewer runs with 1 to `maxTrips` trips each keep a short campaign short, since a run lasts as
   * long as its slowest trip (the bank's answer travels through a relay and a queue).
   */
  readonly tripRunsPerMille: number;
  /**
   * How many runs in a thousand get a late bank (every answer of the run delayed), and the longest
   * delay; delays reach past the app's bank timeout, so some answers come after the saga gave up.
   */
  readonly lateBankPerMille: number;
  readonly maxBankDelayMs: number;
  /** Most faults per execution. */
  readonly maxFaultsPerExecution: number;
  readonly faultKinds: readonly FaultKindName[];
  /** Most event-path faults per run (redelivery, visibility expiry, relay crash). */
  readonly maxEventFaults: number;
  /**
   * Faults left out of the schedules because they hit a known, reported defect rather than a
   * regression; each entry names the defect. Empty once the defects are fixed.
   */
  readonly exclude: readonly KnownIssue[];
  /**
   * How many runs in a thousand crash the cloud at a random point and restart it on the same folder
   * (needs a cloud started with `persist`). 0 leaves the generated runs as they were without it, so
   * earlier seeds replay unchanged.
   * @default 0
   */
  readonly cloudCrashPerMille?: number;
}

export interface KnownIssue {
  readonly name: string;
  readonly matches: (fault: FaultSpec) => boolean;
}

export const DEFAULT_PROFILE: CampaignProfile = {
  maxOrders: 5,
  maxTransfers: 4,
  holdsPerMille: 500,
  maxTrips: 3,
  tripRunsPerMille: 1000,
  lateBankPerMille: 150,
  maxBankDelayMs: 8_000,
  maxFaultsPerExecution: 2,
  faultKinds: ALL_FAULT_KINDS,
  maxEventFaults: 2,
  exclude: [],
};

function faultArbitrary(
  steps: readonly WorkloadStep[],
  kinds: readonly FaultKindName[],
  exclude: readonly KnownIssue[],
): fc.Arbitrary<FaultSpec> {
  const targets = steps.flatMap((s) => s.phases.map((phase) => ({ step: s.step, phase })));
  const byKind: Record<FaultKindName, fc.Arbitrary<Omit<FaultSpec, 'step' | 'phase'>>> = {
    error: fc.oneof(
      fc.record({
        kind: fc.constant('error' as const),
        errorType: fc.constantFrom('SagaTransientError' as const, 'Lambda.ServiceException' as const),
        times: fc.integer({ min: 1, max: 4 }),
      }),
      fc.record({
        kind: fc.constant('error' as const),
        errorType: fc.constant('SagaBusinessError' as const),
        times: fc.oneof(fc.integer({ min: 1, max: 2 }), fc.constant('always' as const)),
      }),
    ),
    timeout: fc.record({
      kind: fc.constant('timeout' as const),
      committed: fc.boolean(),
      times: fc.integer({ min: 1, max: 2 }),
    }),
    'crash-after-commit': fc.record({
      kind: fc.constant('crash-after-commit' as const),
      times: fc.integer({ min: 1, max: 2 }),
    }),
    duplicate: fc.record({
      kind: fc.constant('duplicate' as const),
      concurrent: fc.boolean(),
      answer: fc.constantFrom('first' as const, 'second' as const),
    }),
    delay: fc.record({ kind: fc.constant('delay' as const), ms: fc.integer({ min: 0, max: 150 }) }),
    'transaction-conflict': fc.record({
      kind: fc.constant('transaction-conflict' as const),
      times: fc.integer({ min: 1, max: 4 }),
    }),
    throttling: fc.record({
      kind: fc.constant('throttling' as const),
      times: fc.integer({ min: 1, max: 4 }),
    }),
  };
  return fc
    .tuple(fc.constantFrom(...targets), fc.oneof(...kinds.map((k) => byKind[k])))
    .map(([target, fault]) => ({ ...target, ...fault }) as FaultSpec)
    .filter((fault) => !exclude.some((issue) => issue.matches(fault)));
}

const eventFault: fc.Arbitrary<EventFaultSpec> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('redeliver' as const, 'visibility-expiry' as const),
    times: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('relay-crash' as const),
    relay: fc.nat(2),
    times: fc.integer({ min: 1, max: 2 }),
  }),
);

const commitsFirst = (fault: FaultSpec) =>
  fault.kind === 'crash-after-commit' || (fault.kind === 'timeout' && fault.committed);
const refuses = (fault: FaultSpec) => fault.kind === 'error' && fault.errorType === 'SagaBusinessError';

/**
 * Drops schedules no barrier-protected participant can produce. Injected errors answer at the
 * Lambda boundary, before the runtime runs; but the runtime answers a business refusal that follows
 * a committed phase with the committed result (it reads the barrier before refusing). So a business
 * error on a phase that an earlier fault let commit models a participant without a barrier, and the
 * saga cannot be blamed for trusting the refusal.
 */
export function withoutImpossibleCombinations(faults: readonly FaultSpec[]): FaultSpec[] {
  const committing = new Set(faults.filter(commitsFirst).map((f) => `${f.step}#${f.phase}`));
  return faults.filter((f) => !(refuses(f) && committing.has(`${f.step}#${f.phase}`)));
}

export function runSpecArbitrary(profile: CampaignProfile = DEFAULT_PROFILE): fc.Arbitrary<RunSpec> {
  const faults = (steps: readonly WorkloadStep[]) =>
    fc
      .array(faultArbitrary(steps, profile.faultKinds, profile.exclude), {
        maxLength: profile.maxFaultsPerExecution,
      })
      .map(withoutImpossibleCombinations);
  // Near a budget: up to 64 bytes under it or exactly at it, or up to 64 bytes over it.
  const payload: fc.Arbitrary<PayloadSize> = fc.oneof(
    fc.constant({ size: 'small' as const }),
    fc.record({ size: fc.constant('near' as const), offset: fc.integer({ min: -64, max: 0 }) }),
    fc.record({ size: fc.constant('near' as const), offset: fc.integer({ min: 1, max: 64 }) }),
  );
  // Faults on StoreLabel only: HoldOrder's ReserveInventory already gets the order's faults on that
  // step, since a fault rule matches by execution name, step and phase, not by saga.
  const hold: fc.Arbitrary<HoldSpec> = fc.record({
    sku: fc.nat(3),
    quantity: fc.integer({ min: 1, max: 5 }),
    input: payload,
    label: payload,
    faults: faults(HOLD_ORDER_STEPS.filter((s) => s.step === 'StoreLabel')),
  });
  const order: fc.Arbitrary<OrderSpec> = fc.record({
    sku: fc.nat(3),
    customer: fc.nat(3),
    quantity: fc.integer({ min: 1, max: 5 }),
    amount: fc.integer({ min: 1, max: 600 }),
    faults: faults(PLACE_ORDER_STEPS),
    hold: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 1000 - profile.holdsPerMille },
      { arbitrary: hold, weight: profile.holdsPerMille },
    ),
  });
  const transfer: fc.Arbitrary<TransferSpec> = fc.record({
    from: fc.nat(3),
    to: fc.nat(3),
    amount: fc.integer({ min: 1, max: 600 }),
    faults: faults(TRANSFER_STEPS),
  });
  // Most trips behave; the rest fail at one step or meet a misbehaving bank.
  const trip: fc.Arbitrary<TripSpec> = fc.record({
    customer: fc.nat(3),
    amount: fc.integer({ min: 1, max: 90_000 }),
    failAt: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 3 },
      { arbitrary: fc.constantFrom(...TRIP_FAILURES), weight: 2 },
    ),
    faults: faults(BOOK_TRIP_STEPS),
  });
  const bankDelayMs: fc.Arbitrary<number | undefined> =
    profile.lateBankPerMille > 0
      ? fc.oneof(
          { arbitrary: fc.constant(undefined), weight: 1000 - profile.lateBankPerMille },
          {
            arbitrary: fc.integer({ min: 0, max: profile.maxBankDelayMs }),
            weight: profile.lateBankPerMille,
          },
        )
      : fc.constant(undefined);
  const run = {
    stock: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 2 }),
    balances: fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 1, maxLength: 2 }),
    accounts: fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 2 }),
    payees: fc.integer({ min: 1, max: 2 }),
    orders: fc.array(order, { maxLength: profile.maxOrders }),
    transfers: fc.array(transfer, { maxLength: profile.maxTransfers }),
    eventFaults: fc.array(eventFault, { maxLength: profile.maxEventFaults }),
    trips:
      profile.tripRunsPerMille >= 1000
        ? fc.array(trip, { maxLength: profile.maxTrips })
        : fc.oneof(
            { arbitrary: fc.constant([]), weight: 1000 - profile.tripRunsPerMille },
            {
              arbitrary: fc.array(trip, { minLength: 1, maxLength: profile.maxTrips }),
              weight: profile.tripRunsPerMille,
            },
          ),
    bankDelayMs,
  };
  const crashes = profile.cloudCrashPerMille ?? 0;
  if (crashes <= 0) return fc.record(run);
  // Within the first 1.5 s most executions are still running: the crash lands mid-saga.
  const cloudCrash = fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 1000 - crashes },
    { arbitrary: fc.record({ afterMs: fc.integer({ min: 0, max: 1_500 }) }), weight: crashes },
  );
  return fc.record({ ...run, cloudCrash });
}
