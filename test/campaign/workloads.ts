/**
 * The two workloads the campaign drives on the example app: the PlaceOrder saga (stock, money and a
 * pivot) and the Transfer TCC transaction (money spread over two account services).
 */
export type WorkloadName = 'PlaceOrder' | 'Transfer';

export interface WorkloadStep {
  readonly step: string;
  /** The participant's construct id in its stack: `<stack>/<participant>/Function|Table`. */
  readonly participant: string;
  readonly stack: string;
  readonly phases: readonly string[];
}

export const PLACE_ORDER_STEPS: readonly WorkloadStep[] = [
  {
    step: 'ReserveInventory',
    participant: 'Inventory',
    stack: 'StepsagaExample',
    phases: ['action', 'compensation'],
  },
  {
    step: 'ChargePayment',
    participant: 'Payment',
    stack: 'StepsagaExample',
    phases: ['action', 'compensation'],
  },
  { step: 'ShipOrder', participant: 'Shipping', stack: 'StepsagaExample', phases: ['action'] },
];

export const TRANSFER_STEPS: readonly WorkloadStep[] = [
  {
    step: 'Debit',
    participant: 'DebitAccounts',
    stack: 'StepsagaTransfer',
    phases: ['try', 'confirm', 'cancel'],
  },
  {
    step: 'Credit',
    participant: 'CreditAccounts',
    stack: 'StepsagaTransfer',
    phases: ['try', 'confirm', 'cancel'],
  },
];

export const WORKLOAD_STEPS: Record<WorkloadName, readonly WorkloadStep[]> = {
  PlaceOrder: PLACE_ORDER_STEPS,
  Transfer: TRANSFER_STEPS,
};

/** The state machine of each workload: `<stack>/<construct>`. */
export const WORKLOAD_MACHINES: Record<WorkloadName, string> = {
  PlaceOrder: 'StepsagaExample/PlaceOrder',
  Transfer: 'StepsagaTransfer/Transfer',
};

/** Outbox events each committed phase writes, by `<step>#<phase>` (the example participants' `emit` calls). */
export const EMITTED_EVENTS: Readonly<Record<string, string>> = {
  'ReserveInventory#action': 'StockReserved',
  'ReserveInventory#compensation': 'StockReleased',
  'ChargePayment#action': 'PaymentCharged',
  'ChargePayment#compensation': 'PaymentRefunded',
  'ShipOrder#action': 'OrderShipped',
  'Debit#confirm': 'TransferDebited',
  'Credit#confirm': 'TransferCredited',
};

/** Every participant table the invariants read. */
export const PARTICIPANTS = [...PLACE_ORDER_STEPS, ...TRANSFER_STEPS].map((s) => ({
  participant: s.participant,
  stack: s.stack,
}));

export type ParticipantName = 'Inventory' | 'Payment' | 'Shipping' | 'DebitAccounts' | 'CreditAccounts';
