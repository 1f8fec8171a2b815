import {
  type DynamoDbFaultRule,
  type FaultKind,
  type FaultPlan,
  type FaultRule,
  type InjectedFault,
  isDynamoDbRule,
  isLambdaRule,
  isQueueRule,
  type LambdaFaultRule,
  type QueueFaultRule,
} from './faults/fault-plan.js';
import { keyedDraw } from './faults/prng.js';
import {
  coordinatesOfDynamoDbRequest,
  coordinatesOfInvocation,
  type EventCoordinates,
  matchesCoordinates,
  tablesOfDynamoDbRequest,
} from './faults/request-match.js';
import type { FailNextOptions, FaultInjector, InjectedFaultHandle } from './types.js';

/** Resolves a rule's target reference (logical id, name, ARN, URL or path) to a physical name. */
export interface FaultTargetResolver {
  function(ref: string): string;
  queue(ref: string): string;
  table(ref: string): string;
}

interface ActiveRule {
  readonly id: number;
  readonly rule: FaultRule;
  /** Physical name of the function, queue or table; undefined for a DynamoDB rule on any table. */
  readonly target: string | undefined;
  matched: number;
  fired: number;
  readonly occurrences: Map<string, number>;
}

/** Most recent injections kept for `injected()`; the counts cover every injection. */
const LOG_LIMIT = 10_000;

/**
 * The local cloud's fault injector. Rules are checked in the order they were added; the first that
 * fires decides the event. Probabilities are drawn from the seed and the event's identity, so a
 * plan injects the same faults into the same invocations however concurrent work interleaves.
 */
export class Faults implements FaultInjector {
  private readonly rules: ActiveRule[] = [];
  private nextId = 1;
  private seed: number;
  private readonly counts = new Map<FaultKind, number>();
  private readonly log: InjectedFault[] = [];
  /** Set by the local cloud when functions reach DynamoDB through the fault proxy. */
  dynamoDbProxy = false;

  constructor(
    private readonly resolve: FaultTargetResolver,
    plan: FaultPlan = {},
  ) {
    this.seed = plan.seed ?? 1;
  }

  failNext(functionRef: string, options: FailNextOptions): void {
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`faults.failNext: times must be a positive integer, got ${times}`);
    }
    this.inject({
      kind: 'error',
      function: functionRef,
      errorType: options.errorType,
      errorMessage: options.errorMessage,
      times,
    });
  }

  inject(rule: FaultRule): InjectedFaultHandle {
    const target = this.targetOf(rule);
    checkFrequency(rule);
    const active: ActiveRule = {
      id: this.nextId++,
      rule,
      target,
      matched: 0,
      fired: 0,
      occurrences: new Map(),
    };
    this.rules.push(active);
    return {
      remove: () => {
        const index = this.rules.indexOf(active);
        if (index >= 0) this.rules.splice(index, 1);
      },
    };
  }

  load(plan: FaultPlan): void {
    if (plan.seed !== undefined) this.seed = plan.seed;
    for (const rule of plan.rules ?? []) this.inject(rule);
  }

  setSeed(seed: number): void {
    this.seed = seed;
  }

  clear(): void {
    this.rules.length = 0;
  }

  injectedCounts(): Partial<Record<FaultKind, number>> {
    return Object.fromEntries(this.counts);
  }

  injected(filter?: (fault: InjectedFault) => boolean): InjectedFault[] {
    return filter ? this.log.filter(filter) : [...this.log];
  }

  /** The fault for this invocation of a function, if a rule fires (and counts it). */
  forInvocation(functionName: string, event: unknown): LambdaFaultRule | undefined {
    const at = coordinatesOfInvocation(event);
    return this.decide(
      (r): r is ActiveRule & { rule: LambdaFaultRule } =>
        isLambdaRule(r.rule) && r.target === functionName && matchesCoordinates(r.rule, at),
      `${functionName}|${at.sagaId ?? ''}|${at.step ?? ''}|${at.phase ?? ''}|${at.action ?? ''}`,
      functionName,
      at,
    );
  }

  /** The fault for one message an SQS poller handles, if a rule fires. */
  forMessage(queueName: string, messageId: string, kind: QueueFaultRule['kind']): QueueFaultRule | undefined {
    return this.decide(
      (r): r is ActiveRule & { rule: QueueFaultRule } =>
        isQueueRule(r.rule) && r.rule.kind === kind && r.target === queueName,
      `${queueName}|${messageId}`,
      queueName,
      {},
    );
  }

  /** The fault for a DynamoDB request from a function, if a rule fires. */
  forDynamoDbRequest(operation: string, body: unknown): DynamoDbFaultRule | undefined {
    const at = coordinatesOfDynamoDbRequest(body);
    const tables = tablesOfDynamoDbRequest(body);
    return this.decide(
      (r): r is ActiveRule & { rule: DynamoDbFaultRule } =>
        isDynamoDbRule(r.rule) &&
        (r.rule.operation ?? 'TransactWriteItems') === operation &&
        (r.target === undefined || tables.includes(r.target)) &&
        matchesCoordinates(r.rule, at),
      `${operation}|${tables.join(',')}|${at.sagaId ?? ''}|${at.step ?? ''}|${at.phase ?? ''}`,
      tables[0] ?? 'dynamodb',
      at,
    );
  }

  private decide<R extends FaultRule>(
    applies: (rule: ActiveRule) => rule is ActiveRule & { rule: R },
    eventKey: string,
    target: string,
    at: EventCoordinates,
  ): R | undefined {
    for (const active of this.rules) {
      if (!applies(active)) continue;
      const { rule } = active;
      active.matched += 1;
      if (active.matched <= (rule.skip ?? 0)) continue;
      const probability = rule.probability ?? 1;
      if (probability < 1) {
        const occurrence = (active.occurrences.get(eventKey) ?? 0) + 1;
        active.occurrences.set(eventKey, occurrence);
        if (keyedDraw(this.seed, `${active.id}|${eventKey}|${occurrence}`) >= probability) continue;
      }
      active.fired += 1;
      const times = rule.times ?? 1;
      if (times !== 'always' && active.fired >= times) this.rules.splice(this.rules.indexOf(active), 1);
      const detail =
        rule.kind === 'error'
          ? rule.errorType
          : rule.kind === 'crash-after-commit' && rule.partialBatch
            ? 'mid-batch'
            : undefined;
      this.record({ kind: rule.kind, target, ...at, ...(detail ? { detail } : {}), at: Date.now() });
      return rule;
    }
    return undefined;
  }

  private record(fault: InjectedFault): void {
    this.counts.set(fault.kind, (this.counts.get(fault.kind) ?? 0) + 1);
    this.log.push(fault);
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }

  private targetOf(rule: FaultRule): string | undefined {
    if (isLambdaRule(rule)) return this.resolve.function(rule.function);
    if (isQueueRule(rule)) return this.resolve.queue(rule.queue);
    if (!this.dynamoDbProxy) {
      throw new Error(
        `faults.inject(${rule.kind}): DynamoDB faults reach functions through the fault proxy, which runs only ` +
          'when the cloud starts with a fault plan. Pass `faults: {}` to startLocalCloud (or set STEPSAGA_FAULTS).',
      );
    }
    return rule.table === undefined ? undefined : this.resolve.table(rule.table);
  }
}

function checkFrequency(rule: FaultRule): void {
  const where = `fault rule ${JSON.stringify(rule)}`;
  if (
    rule.times !== undefined &&
    rule.times !== 'always' &&
    (!Number.isInteger(rule.times) || rule.times < 1)
  )
    throw new Error(`${where}: times must be a positive integer or "always", got ${String(rule.times)}`);
  if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1))
    throw new Error(`${where}: probability must be between 0 and 1, got ${rule.probability}`);
  if (rule.skip !== undefined && (!Number.isInteger(rule.skip) || rule.skip < 0))
    throw new Error(`${where}: skip must be a non-negative integer, got ${rule.skip}`);
}
