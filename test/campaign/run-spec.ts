import type { FaultRule } from '../../infra/local/faults/fault-plan.js';
import { WORKLOAD_STEPS, type WorkloadName } from './workloads.js';

/** One fault aimed at one phase of one step of one execution. */
export type FaultSpec = {
  readonly step: string;
  readonly phase: string;
} & (
  | {
      readonly kind: 'error';
      readonly errorType: 'SagaTransientError' | 'Lambda.ServiceException' | 'SagaBusinessError';
      readonly times: number | 'always';
    }
  | { readonly kind: 'timeout'; readonly committed: boolean; readonly times: number }
  | { readonly kind: 'crash-after-commit'; readonly times: number }
  | { readonly kind: 'duplicate'; readonly concurrent: boolean; readonly answer: 'first' | 'second' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'transaction-conflict' | 'throttling'; readonly times: number }
);

export interface OrderSpec {
  /** Indexes into the run's SKUs and customers. */
  readonly sku: number;
  readonly customer: number;
  readonly quantity: number;
  readonly amount: number;
  readonly faults: readonly FaultSpec[];
  /** A HoldOrder started with this order's id as its execution name, alongside the order. */
  readonly hold?: HoldSpec | undefined;
}

/**
 * How a payload's size relates to its budget: `small` is far under it; otherwise the payload is
 * `budget + offset` bytes, so an offset of 0 or less fits exactly or just under, above 0 is just over.
 */
export type PayloadSize = { readonly size: 'small' } | { readonly size: 'near'; readonly offset: number };

export interface HoldSpec {
  /** Index into the run's SKUs. */
  readonly sku: number;
  readonly quantity: number;
  /** The execution input's size against the saga's `maxInputBytes`. */
  readonly input: PayloadSize;
  /** StoreLabel's result size against its `maxResultBytes`. */
  readonly label: PayloadSize;
  readonly faults: readonly FaultSpec[];
}

export interface TransferSpec {
  /** Indexes into the run's debit accounts and payees. */
  readonly from: number;
  readonly to: number;
  readonly amount: number;
  readonly faults: readonly FaultSpec[];
}

/**
 * Where a BookTrip misbehaves on purpose (the example's `failAt`): a supplier refuses (`BookHotel`,
 * `BookFlight`, `RentCar`, `ConfirmTrip`, the pivot), or the bank declines (`Bank`), never answers
 * so the saga times out (`BankSilent`), or answers twice (`BankTwice`).
 */
export const TRIP_FAILURES = [
  'BookHotel',
  'BookFlight',
  'RentCar',
  'ConfirmTrip',
  'Bank',
  'BankSilent',
  'BankTwice',
] as const;
export type TripFailure = (typeof TRIP_FAILURES)[number];

export interface TripSpec {
  /** Index into the run's customers. */
  readonly customer: number;
  readonly amount: number;
  readonly failAt?: TripFailure | undefined;
  readonly faults: readonly FaultSpec[];
}

/**
 * A fault on PlaceOrder's event path, for the whole run: the order-events queue redelivering a
 * message or letting its visibility expire mid-processing, or a relay crashing mid-batch (it sent
 * the first half of its batch, then died, so the stream offers the whole batch again).
 */
export type EventFaultSpec =
  | { readonly kind: 'redeliver' | 'visibility-expiry'; readonly times: number }
  | { readonly kind: 'relay-crash'; readonly relay: number; readonly times: number };

/** One property run: fresh accounts and stock, and executions started all at once. */
export interface RunSpec {
  /** Ignored when the app has no event path. */
  readonly eventFaults: readonly EventFaultSpec[];
  readonly stock: readonly number[];
  readonly balances: readonly number[];
  readonly accounts: readonly number[];
  readonly payees: number;
  readonly orders: readonly OrderSpec[];
  readonly transfers: readonly TransferSpec[];
  /**
   * Crash the cloud this long after the run's executions started, and restart it on its persist
   * folder; the run's remaining fault rules are not installed again on the new cloud.
   */
  readonly cloudCrash?: { readonly afterMs: number };
  /** BookTrip executions (absent in runs recorded before BookTrip joined the campaign). */
  readonly trips?: readonly TripSpec[];
  /**
   * How late the bank webhook starts answering in this run (every bank invocation of the run waits
   * this long), or absent for no delay. Beyond the app's bank timeout the answer comes too late.
   */
  readonly bankDelayMs?: number | undefined;
}

/** Bytes of `{"blob":""}` around the label BlobStore returns: a label of n bytes is an (n + 11)-byte result. */
export const LABEL_RESULT_OVERHEAD = 11;

/** The payload's size in bytes for a budget. */
export function payloadBytes(payload: PayloadSize, budget: number, small: number): number {
  return payload.size === 'small' ? small : budget + payload.offset;
}

/** How long a simulated Lambda timeout keeps the caller waiting (a real hang waits the function's 10 s). */
export const SIMULATED_TIMEOUT_MS = 40;

/** Physical names of a participant's function and table on the running cloud. */
export interface ParticipantNames {
  readonly functionName: string;
  readonly tableName: string;
}

/** The local cloud fault rule for one spec, scoped to one execution (saga id). */
export function faultRule(
  workload: WorkloadName,
  sagaId: string,
  spec: FaultSpec,
  namesOf: (participant: string) => ParticipantNames,
): FaultRule {
  const step = WORKLOAD_STEPS[workload].find((s) => s.step === spec.step);
  if (!step) throw new Error(`fault spec names step "${spec.step}", which ${workload} does not have`);
  const scope = { sagaId, step: spec.step, phase: spec.phase };
  const { functionName: fn, tableName } = namesOf(step.participant);
  switch (spec.kind) {
    case 'error':
      return {
        ...scope,
        kind: 'error',
        function: fn,
        errorType: spec.errorType,
        errorMessage: 'injected',
        times: spec.times,
      };
    case 'timeout':
      return {
        ...scope,
        kind: 'timeout',
        function: fn,
        committed: spec.committed,
        waitMs: SIMULATED_TIMEOUT_MS,
        times: spec.times,
      };
    case 'crash-after-commit':
      return { ...scope, kind: 'crash-after-commit', function: fn, times: spec.times };
    case 'duplicate':
      return { ...scope, kind: 'duplicate', function: fn, concurrent: spec.concurrent, answer: spec.answer };
    case 'delay':
      return { ...scope, kind: 'delay', function: fn, ms: spec.ms };
    case 'transaction-conflict':
    case 'throttling':
      return { ...scope, kind: spec.kind, table: tableName, times: spec.times };
  }
}

/** The local cloud fault rule for an event-path fault. */
export function eventFaultRule(
  spec: EventFaultSpec,
  path: { orderEventsQueue: string; relayFunctions: readonly string[] },
): FaultRule {
  if (spec.kind === 'relay-crash') {
    const relay = path.relayFunctions[spec.relay % path.relayFunctions.length] ?? '';
    return { kind: 'crash-after-commit', function: relay, partialBatch: true, times: spec.times };
  }
  return { kind: spec.kind, queue: path.orderEventsQueue, times: spec.times };
}
