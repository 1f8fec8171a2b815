/**
 * The workloads the campaign drives: the example app's PlaceOrder saga (stock, money and a pivot)
 * and Transfer TCC transaction (money spread over two account services), and the campaign app's
 * HoldOrder saga, which shares PlaceOrder's Inventory participant and its step name
 * `ReserveInventory`, is started with the same execution name as an order, and carries inputs and
 * results near its state budget; and the trip example's BookTrip saga (a parallel group, a callback
 * answered by a simulated bank webhook, a child saga).
 */
export type WorkloadName = 'PlaceOrder' | 'Transfer' | 'HoldOrder' | 'BookTrip';

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

export const HOLD_ORDER_STEPS: readonly WorkloadStep[] = [
  {
    step: 'ReserveInventory',
    participant: 'Inventory',
    stack: 'StepsagaExample',
    phases: ['action', 'compensation'],
  },
  {
    step: 'StoreLabel',
    participant: 'BlobStore',
    stack: 'StepsagaExample',
    phases: ['action', 'compensation'],
  },
];

/**
 * BookTrip's steps that call a participant directly. Its child step RentCar runs the car team's own
 * sagas (RentCar, ReturnCar) under other execution names, which saga-scoped faults do not reach.
 */
export const BOOK_TRIP_STEPS: readonly WorkloadStep[] = [
  { step: 'BookHotel', participant: 'Hotel', stack: 'StepsagaBookTrip', phases: ['action', 'compensation'] },
  {
    step: 'BookFlight',
    participant: 'Flight',
    stack: 'StepsagaBookTrip',
    phases: ['action', 'compensation'],
  },
  {
    step: 'AuthorizePayment',
    participant: 'TripPayment',
    stack: 'StepsagaBookTrip',
    phases: ['action', 'compensation'],
  },
  { step: 'ConfirmTrip', participant: 'Itinerary', stack: 'StepsagaBookTrip', phases: ['action'] },
];

/** Tables BookTrip's invariants read besides its steps' participants: the car team's and the bank's. */
const BOOK_TRIP_TABLES = [
  { participant: 'Cars', stack: 'StepsagaBookTrip' },
  { participant: 'Bank', stack: 'StepsagaBookTrip' },
];

export const WORKLOAD_STEPS: Record<WorkloadName, readonly WorkloadStep[]> = {
  PlaceOrder: PLACE_ORDER_STEPS,
  Transfer: TRANSFER_STEPS,
  HoldOrder: HOLD_ORDER_STEPS,
  BookTrip: BOOK_TRIP_STEPS,
};

/** The state machine of each workload: `<stack>/<construct>`. */
export const WORKLOAD_MACHINES: Record<WorkloadName, string> = {
  PlaceOrder: 'StepsagaExample/PlaceOrder',
  Transfer: 'StepsagaTransfer/Transfer',
  HoldOrder: 'StepsagaExample/HoldOrder',
  BookTrip: 'StepsagaBookTrip/BookTrip',
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
  'BookHotel#action': 'HotelBooked',
  'BookHotel#compensation': 'HotelCancelled',
  'BookFlight#action': 'FlightBooked',
  'BookFlight#compensation': 'FlightCancelled',
  'AuthorizePayment#action': 'AuthorizationRequested',
  'ConfirmTrip#action': 'ItineraryBooked',
};

/** Every participant table the invariants read (Inventory once, though two sagas use it). */
export const PARTICIPANTS = [
  ...new Map(
    [
      ...PLACE_ORDER_STEPS,
      ...TRANSFER_STEPS,
      ...HOLD_ORDER_STEPS,
      ...BOOK_TRIP_STEPS,
      ...BOOK_TRIP_TABLES,
    ].map((s) => [s.participant, { participant: s.participant, stack: s.stack }]),
  ).values(),
];

export type ParticipantName =
  | 'Inventory'
  | 'Payment'
  | 'Shipping'
  | 'DebitAccounts'
  | 'CreditAccounts'
  | 'BlobStore'
  | 'Hotel'
  | 'Flight'
  | 'TripPayment'
  | 'Itinerary'
  | 'Cars'
  | 'Bank';
