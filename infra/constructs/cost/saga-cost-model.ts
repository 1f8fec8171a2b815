import { DEFAULT_PRICES, type PriceList } from './prices-us-east-1.2026-12.js';
import type { SagaCostPlan, StepCostPlan } from './saga-cost-plan.js';
import { type Invocation, type PhaseCost, stepFormCost } from './step-form-costs.js';

/**
 * What the model cannot read from the saga plan. Each default is stated in docs/cost.md; override
 * any of them to price a participant you know better.
 */
export interface CostAssumptions {
  /** Billed duration of one participant invocation. @default 100 */
  readonly lambdaDurationMs: number;
  /** Memory of a function whose memory is unknown at synth. @default 512 (the Participant default) */
  readonly defaultMemoryMb: number;
  /** Size of every item a transaction writes (barrier, business write, outbox event), rounded up to KB. @default 1 */
  readonly itemKb: number;
  /** Business writes (put, update, delete, condition check) each committing phase stages. @default 1 */
  readonly writesPerPhase: number;
  /** Outbox events each committing phase emits. @default 1 */
  readonly eventsPerPhase: number;
  /** Strongly consistent reads of at most 4 KB the handler makes per invocation. @default 1 */
  readonly readsPerInvocation: number;
  /**
   * SQS requests per message (outbox event or outcome): the relay's send, the consumer's receive and
   * its delete, each under 64 KiB; batching lowers it. @default 3
   */
  readonly sqsRequestsPerMessage: number;
}

export const DEFAULT_COST_ASSUMPTIONS: CostAssumptions = {
  lambdaDurationMs: 100,
  defaultMemoryMb: 512,
  itemKb: 1,
  writesPerPhase: 1,
  eventsPerPhase: 1,
  readsPerInvocation: 1,
  sqsRequestsPerMessage: 3,
};

/** A transactional write costs 2 write request units per KB of each item (DynamoDB transactions). */
export const TRANSACTIONAL_WRU_PER_KB = 2;
/** The undo phase reads the action's and its own barrier (one consistent BatchGetItem, items under 4 KB). */
const UNDO_BARRIER_READS = 2;

export type PathName = 'happy' | 'compensating' | 'parked';

export interface PathCost {
  readonly path: PathName;
  /** Which failure the path is, in words. */
  readonly description: string;
  /** Billed state transitions: states entered plus retries. */
  readonly transitions: number;
  readonly lambdaInvocations: number;
  readonly writeRequestUnits: number;
  readonly readRequestUnits: number;
  readonly sqsRequests: number;
  /** US dollars per one million sagas that all take this path; `undefined` for Express sagas. */
  readonly usdPerMillion?: UsdBreakdown;
}

export interface UsdBreakdown {
  readonly stepFunctions: number;
  readonly lambda: number;
  readonly dynamoDb: number;
  readonly sqs: number;
  readonly total: number;
}

/** DynamoDB write request units of one step's phases, per invocation. */
export interface StepWriteUnits {
  readonly step: string;
  readonly participant: string;
  readonly action: number;
  /** Undoing a committed action; undefined without a compensation. */
  readonly compensation?: number;
  /** A compensation whose action never committed. */
  readonly emptyCompensation?: number;
}

/** A child step of the saga: its child's (and compensation saga's) transitions are billed to them. */
export interface ChildSagaOfStep {
  readonly step: string;
  readonly childSaga: string;
  readonly compensationSaga?: string;
}

export interface SagaCostReport {
  readonly sagaName: string;
  readonly type: 'STANDARD' | 'EXPRESS';
  readonly paths: readonly PathCost[];
  readonly writeUnits: readonly StepWriteUnits[];
  /** Each retry of a step or compensation adds this many transitions to any path. */
  readonly transitionsPerRetry: number;
  /** The child sagas the paths start; their own cost is not in the paths' figures. */
  readonly childSagas: readonly ChildSagaOfStep[];
  /** Upper bound on the saga state in bytes, and the limit, when the plan carries the state budget. */
  readonly worstCaseStateBytes?: {
    readonly bytes: number;
    readonly limitBytes: number;
    readonly declared: boolean;
  };
  readonly pricesAsOf: string;
  readonly region: string;
  readonly assumptions: CostAssumptions;
}

interface Tally {
  transitions: number;
  invocations: Invocation[];
  /** Messages the state machine sends itself (outcome, park). */
  sagaMessages: number;
  /** The phase whose failure the path takes, for its description. */
  failure?: { readonly step: StepCostPlan; readonly phase: Invocation['phase']; readonly retries: number };
}

const empty = (): Tally => ({ transitions: 0, invocations: [], sagaMessages: 0 });

function add(tally: Tally, phase: PhaseCost | undefined): void {
  if (!phase) return;
  tally.transitions += phase.transitions;
  tally.invocations.push(...phase.invocations);
}

/** The states every path enters before the first step. */
function start(plan: SagaCostPlan): Tally {
  const tally = empty();
  if (plan.validatesInput) tally.transitions += 1;
  return tally;
}

/** The publish Task, if that outcome is published, and the terminal state. */
function finish(plan: SagaCostPlan, tally: Tally, outcome: SagaCostPlan['publishes'][number]): void {
  if (plan.publishes.includes(outcome)) {
    tally.transitions += 1;
    tally.sagaMessages += 1;
  }
  tally.transitions += 1;
}

/**
 * The steps are entered entry by entry: a step on its own, or a parallel group (its members are
 * consecutive in the plan). Indexes of the first step of the entry holding `index`, and past its last.
 */
function entryBounds(plan: SagaCostPlan, index: number): { first: number; end: number } {
  const group = plan.steps[index]!.group;
  if (group === undefined) return { first: index, end: index + 1 };
  let first = index;
  while (first > 0 && plan.steps[first - 1]!.group === group) first -= 1;
  let end = index + 1;
  while (end < plan.steps.length && plan.steps[end]!.group === group) end += 1;
  return { first, end };
}

/**
 * The forward phases of steps[from, to) succeeding, entries whole: a group's `Parallel` state is one
 * transition of its own, on top of each branch's Task.
 */
function forwardAll(tally: Tally, plan: SagaCostPlan, from: number, to: number): void {
  for (let index = from; index < to; index++) {
    const step = plan.steps[index]!;
    if (step.group !== undefined && entryBounds(plan, index).first === index) tally.transitions += 1;
    add(tally, stepFormCost(step).forward(step));
  }
}

/**
 * Every step before the entry of `failed` succeeds, then the entry runs with `failed` failing as
 * `fail` says. In a group every branch starts at once and the others are taken to commit before
 * the `Parallel` state fails (the worst case; a branch stopped early costs less).
 */
function runUpToFailure(tally: Tally, plan: SagaCostPlan, index: number, fail: () => void): void {
  const { first, end } = entryBounds(plan, index);
  forwardAll(tally, plan, 0, first);
  if (plan.steps[index]!.group !== undefined) tally.transitions += 1;
  for (let member = first; member < end; member++) {
    const step = plan.steps[member]!;
    if (member === index) fail();
    else add(tally, stepFormCost(step).forward(step));
  }
}

function happyPath(plan: SagaCostPlan): Tally {
  const tally = start(plan);
  forwardAll(tally, plan, 0, plan.steps.length);
  finish(plan, tally, 'SagaSucceeded');
  return tally;
}

/**
 * The compensations after `failed` (at `index`) failed, in the order they run: a failure inside a
 * group compensates every branch of it, from the last declared back to the first, then the steps
 * before the group. The failed step's own compensation is what its form does after a refusal.
 */
function undoChain(
  plan: SagaCostPlan,
  failed: StepCostPlan,
  index: number,
): { step: StepCostPlan; effect: 'undo' | 'empty-undo' }[] {
  const { end } = entryBounds(plan, index);
  const through = failed.group !== undefined ? end : failed.kind === 'compensatable' ? index + 1 : index;
  return plan.steps
    .slice(0, through)
    .filter((s) => s.kind === 'compensatable')
    .reverse()
    .flatMap((step) => {
      if (step !== failed) return [{ step, effect: 'undo' as const }];
      const effect = stepFormCost(step).compensationAfterRefusal;
      return effect ? [{ step, effect }] : [];
    });
}

/**
 * The failure at `failed` that compensates: a compensatable step's refusal (its own compensation
 * runs as its form says) or the pivot's refusal (only the earlier steps are undone). Undefined for a
 * retriable step, whose failure parks instead.
 */
function compensatingFrom(plan: SagaCostPlan, failed: StepCostPlan, index: number): Tally | undefined {
  if (failed.kind === 'retriable') return undefined;
  const tally = start(plan);
  runUpToFailure(tally, plan, index, () => add(tally, stepFormCost(failed).refused(failed)));
  tally.failure = { step: failed, phase: 'action', retries: 0 };
  for (const { step, effect } of undoChain(plan, failed, index)) {
    add(tally, stepFormCost(step).compensation(step, effect));
  }
  finish(plan, tally, 'SagaCompensated');
  return tally;
}

function parkAndAbandon(plan: SagaCostPlan, tally: Tally): void {
  tally.transitions += 1; // Park <state>: the message to the parked queue
  tally.sagaMessages += 1;
  if (plan.waitsForDecision) tally.transitions += 1; // Decide <state>: the operator abandons
  finish(plan, tally, 'SagaParked');
}

/** Attempts that fail: each retry is one more transition and one more invocation that commits nothing. */
function failAllAttempts(
  tally: Tally,
  phase: PhaseCost | undefined,
  retries: number,
  perRetry: number,
): void {
  if (!phase) return;
  tally.transitions += phase.transitions + retries * perRetry;
  for (let attempt = 0; attempt <= retries; attempt++) {
    tally.invocations.push(...phase.invocations.map((i) => ({ ...i, effect: 'refused' as const })));
  }
}

/**
 * Every way to park: a forward step that cannot be compensated (the pivot or a retriable step, a
 * retriable group parking as one) failing after all its retries; or a compensation failing after all
 * its retries, on any compensating path. The operator then abandons the saga.
 */
function parkedPaths(plan: SagaCostPlan): Tally[] {
  const paths: Tally[] = [];
  plan.steps.forEach((failed, index) => {
    const form = stepFormCost(failed);
    if (failed.kind !== 'compensatable') {
      const tally = start(plan);
      runUpToFailure(tally, plan, index, () =>
        failAllAttempts(tally, form.refused(failed), failed.retryAttempts, form.transitionsPerRetry),
      );
      tally.failure = { step: failed, phase: 'action', retries: failed.retryAttempts };
      parkAndAbandon(plan, tally);
      paths.push(tally);
    }
    if (failed.kind === 'retriable') return;
    // The compensating path from `failed`, cut short by the compensation of `stuck` failing for good.
    const chain = undoChain(plan, failed, index);
    chain.forEach(({ step: stuck, effect }, position) => {
      const tally = start(plan);
      runUpToFailure(tally, plan, index, () => add(tally, form.refused(failed)));
      for (const { step, effect: done } of chain.slice(0, position)) {
        add(tally, stepFormCost(step).compensation(step, done));
      }
      const stuckForm = stepFormCost(stuck);
      failAllAttempts(
        tally,
        stuckForm.compensation(stuck, effect),
        plan.compensationRetryAttempts,
        stuckForm.transitionsPerRetry,
      );
      tally.failure = { step: stuck, phase: 'compensation', retries: plan.compensationRetryAttempts };
      parkAndAbandon(plan, tally);
      paths.push(tally);
    });
  });
  return paths;
}

/** The path with the most transitions; on a tie, the later one (more work done before failing). */
function worst(paths: readonly (Tally | undefined)[]): Tally | undefined {
  let best: Tally | undefined;
  for (const path of paths) {
    if (path && (!best || path.transitions >= best.transitions)) best = path;
  }
  return best;
}

function writeUnits(effect: Invocation['effect'], a: CostAssumptions): number {
  const item = TRANSACTIONAL_WRU_PER_KB * Math.ceil(a.itemKb);
  const stage = (a.writesPerPhase + a.eventsPerPhase) * item;
  switch (effect) {
    case 'commit':
      return item + stage;
    case 'undo':
      // The compensation's barrier, the condition that the action committed, then its own writes.
      return 2 * item + stage;
    case 'empty-undo':
      // Its own barrier and the blocked barrier that refuses a late action.
      return 2 * item;
    case 'refused':
      return 0;
  }
}

function eventsOf(effect: Invocation['effect'], a: CostAssumptions): number {
  return effect === 'commit' || effect === 'undo' ? a.eventsPerPhase : 0;
}

function readUnits(invocation: Invocation, a: CostAssumptions): number {
  if (invocation.effect === 'empty-undo') return UNDO_BARRIER_READS;
  if (invocation.effect === 'undo') return UNDO_BARRIER_READS + a.readsPerInvocation;
  return a.readsPerInvocation;
}

function pathCost(
  path: PathName,
  description: string,
  tally: Tally,
  plan: SagaCostPlan,
  prices: PriceList,
  a: CostAssumptions,
): PathCost {
  const wru = tally.invocations.reduce((sum, i) => sum + writeUnits(i.effect, a), 0);
  const rru = tally.invocations.reduce((sum, i) => sum + readUnits(i, a), 0);
  const messages = tally.sagaMessages + tally.invocations.reduce((sum, i) => sum + eventsOf(i.effect, a), 0);
  const sqsRequests = messages * a.sqsRequestsPerMessage;
  const gbSeconds = tally.invocations.reduce(
    (sum, i) => sum + ((i.participant.memoryMb ?? a.defaultMemoryMb) / 1024) * (a.lambdaDurationMs / 1000),
    0,
  );
  const million = 1_000_000;
  const lambda =
    (tally.invocations.length * prices.lambdaRequest.usd + gbSeconds * prices.lambdaArmGbSecond.usd) *
    million;
  const dynamoDb =
    (wru * prices.dynamoDbWriteRequestUnit.usd + rru * prices.dynamoDbReadRequestUnit.usd) * million;
  const sqs = sqsRequests * prices.sqsStandardRequest.usd * million;
  const base = {
    path,
    description,
    transitions: tally.transitions,
    lambdaInvocations: tally.invocations.length,
    writeRequestUnits: wru,
    readRequestUnits: rru,
    sqsRequests,
  };
  if (plan.type !== 'STANDARD') return base;
  const stepFunctions = tally.transitions * prices.stepFunctionsStandardTransition.usd * million;
  return {
    ...base,
    usdPerMillion: { stepFunctions, lambda, dynamoDb, sqs, total: stepFunctions + lambda + dynamoDb + sqs },
  };
}

function describeCompensating(tally: Tally, plan: SagaCostPlan): string {
  const failed = tally.failure?.step;
  if (!failed) return 'no step can fail into compensation';
  const names = undoChain(plan, failed, plan.steps.indexOf(failed)).map(({ step }) => step.name);
  const where = failed.group !== undefined ? ` in group ${failed.group}` : '';
  return `${stepFormCost(failed).refusal(failed)}${where}, then ${names.length > 0 ? `compensate ${names.join(', ')}` : 'nothing to undo'}`;
}

function describeParked(plan: SagaCostPlan, tally: Tally): string {
  const failure = tally.failure;
  if (!failure) return 'nothing can park';
  const what =
    failure.phase === 'compensation' ? `the compensation of ${failure.step.name}` : failure.step.name;
  return `${what} fails for good (${failure.retries} retries), parks, the operator abandons${plan.waitsForDecision ? '' : ' (no decision wait)'}`;
}

/**
 * The cost of a saga per execution path and per million executions: a pure function of its plan,
 * the price list and the assumptions. See docs/cost.md for how each figure is counted.
 */
export function estimateSagaCost(
  plan: SagaCostPlan,
  prices: PriceList = DEFAULT_PRICES,
  assumptions: Partial<CostAssumptions> = {},
): SagaCostReport {
  const a: CostAssumptions = { ...DEFAULT_COST_ASSUMPTIONS, ...assumptions };
  const happy = happyPath(plan);
  const compensating = worst(plan.steps.map((step, index) => compensatingFrom(plan, step, index)));
  const parked = worst(parkedPaths(plan));
  const paths: PathCost[] = [pathCost('happy', 'every step succeeds at once', happy, plan, prices, a)];
  if (compensating) {
    paths.push(
      pathCost('compensating', describeCompensating(compensating, plan), compensating, plan, prices, a),
    );
  }
  if (parked) paths.push(pathCost('parked', describeParked(plan, parked), parked, plan, prices, a));

  // A child step writes nothing in the parent: its child saga's participants do, billed to the child.
  const writeUnitsPerStep = plan.steps.flatMap((step): StepWriteUnits[] => {
    if (step.childSaga !== undefined) return [];
    const form = stepFormCost(step);
    const sum = (phase: PhaseCost | undefined) =>
      phase?.invocations.reduce((total, i) => total + writeUnits(i.effect, a), 0);
    const compensation = sum(form.compensation(step, 'undo'));
    const emptyCompensation = sum(form.compensation(step, 'empty-undo'));
    return [
      {
        step: step.name,
        participant: step.participant.name,
        action: sum(form.forward(step)) ?? 0,
        ...(compensation !== undefined ? { compensation } : {}),
        ...(emptyCompensation !== undefined ? { emptyCompensation } : {}),
      },
    ];
  });

  const size = plan.stateSize;
  return {
    sagaName: plan.sagaName,
    type: plan.type,
    paths,
    writeUnits: writeUnitsPerStep,
    transitionsPerRetry: 1,
    childSagas: plan.steps.flatMap((step) =>
      step.childSaga === undefined
        ? []
        : [
            {
              step: step.name,
              childSaga: step.childSaga,
              ...(step.compensationSaga !== undefined ? { compensationSaga: step.compensationSaga } : {}),
            },
          ],
    ),
    ...(size
      ? {
          worstCaseStateBytes: {
            bytes: size.inputBytes + size.resultBytes.reduce((s, b) => s + b, 0) + size.reservedBytes,
            limitBytes: size.limitBytes,
            declared: size.resultDeclared.every(Boolean),
          },
        }
      : {}),
    pricesAsOf: prices.asOf,
    region: prices.region,
    assumptions: a,
  };
}
