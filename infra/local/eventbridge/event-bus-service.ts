import { randomUUID } from 'node:crypto';
import { LocalServiceError } from '../errors.js';
import { matchesEventPattern } from '../event-sources/event-pattern.js';
import type { FilterPattern } from '../event-sources/filter-criteria.js';
import type { LocalLogLine, LocalService } from '../types.js';
import { type TargetInput, targetInput } from './input-transform.js';

/** Where a rule sends matching events; `arn` names the function, queue, state machine, topic or bus. */
export interface EventTarget extends TargetInput {
  readonly id: string;
  readonly kind: 'function' | 'queue' | 'stateMachine' | 'topic' | 'bus';
  readonly arn: string;
  /** SQS FIFO targets: the message group. */
  readonly messageGroupId?: string;
}

export interface EventPatternRule {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly pattern: FilterPattern;
  readonly targets: readonly EventTarget[];
}

/** Sends one event to one target (the text is what `targetInput` made of it) for a rule. */
export type DeliverToTarget = (
  target: EventTarget,
  text: string,
  rule: { readonly name: string; readonly arn: string },
) => Promise<void>;

interface PutEventsEntry {
  readonly Source?: unknown;
  readonly DetailType?: unknown;
  readonly Detail?: unknown;
  readonly Resources?: unknown;
  readonly EventBusName?: unknown;
  readonly Time?: unknown;
}

const busNameOf = (nameOrArn: string) => /:event-bus\/(.+)$/.exec(nameOrArn)?.[1] ?? nameOrArn;

/**
 * The EventBridge API over the app's buses and event-pattern rules: PutEvents matches each event
 * against the rules of its bus and delivers it to their targets after answering, as EventBridge
 * does (a target that fails is logged, not retried).
 */
export class EventBridgeService implements LocalService {
  private readonly buses = new Map<string, string>();
  private readonly rules: EventPatternRule[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly deliver: DeliverToTarget,
    private readonly onLog: (line: LocalLogLine) => void,
  ) {
    this.addBus('default');
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${this.accountId}:event-bus/${name}`;
  }

  addBus(name: string): string {
    const arn = this.busArn(name);
    this.buses.set(name, arn);
    return arn;
  }

  addRule(rule: EventPatternRule): void {
    this.rules.push(rule);
  }

  /** Waits for deliveries under way. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async call(operation: string, request: unknown): Promise<unknown> {
    const input = (request ?? {}) as Record<string, unknown>;
    switch (operation) {
      case 'PutEvents':
        return this.putEvents(input);
      case 'ListEventBuses':
        return { EventBuses: [...this.buses].map(([Name, Arn]) => ({ Name, Arn })) };
      case 'ListRules': {
        const bus = busNameOf(typeof input.EventBusName === 'string' ? input.EventBusName : 'default');
        return {
          Rules: this.rules
            .filter((r) => r.busName === bus)
            .map((r) => ({
              Name: r.name,
              Arn: r.arn,
              EventBusName: r.busName,
              EventPattern: JSON.stringify(r.pattern),
              State: 'ENABLED',
            })),
        };
      }
      default:
        throw new LocalServiceError(
          'UnknownOperationException',
          `The local cloud's EventBridge does not support ${operation} (supported: PutEvents, ListEventBuses, ListRules)`,
        );
    }
  }

  putEvents(input: Record<string, unknown>): { FailedEntryCount: number; Entries: unknown[] } {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
      throw new LocalServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10`,
      );
    }
    let failed = 0;
    const results = (entries as PutEventsEntry[]).map((entry) => {
      const fail = (ErrorCode: string, ErrorMessage: string) => {
        failed += 1;
        return { ErrorCode, ErrorMessage };
      };
      if (typeof entry.Source !== 'string' || entry.Source === '')
        return fail(
          'InvalidArgument',
          'Parameter Source is not valid. Reason: Source is a required argument.',
        );
      if (typeof entry.DetailType !== 'string' || entry.DetailType === '')
        return fail(
          'InvalidArgument',
          'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
        );
      let detail: unknown;
      try {
        detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : undefined;
      } catch {
        detail = undefined;
      }
      if (!detail || typeof detail !== 'object' || Array.isArray(detail))
        return fail('MalformedDetail', 'Detail is malformed.');
      const busName = busNameOf(typeof entry.EventBusName === 'string' ? entry.EventBusName : 'default');
      if (!this.buses.has(busName))
        return fail('ResourceNotFoundException', `Event bus ${busName} does not exist.`);
      const id = randomUUID();
      const time =
        entry.Time === undefined
          ? new Date()
          : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : String(entry.Time));
      const event = {
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.accountId,
        time: (Number.isNaN(time.getTime()) ? new Date() : time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: Array.isArray(entry.Resources) ? entry.Resources.map(String) : [],
        detail,
      };
      this.route(busName, event);
      return { EventId: id };
    });
    return { FailedEntryCount: failed, Entries: results };
  }

  private route(busName: string, event: Record<string, unknown>): void {
    for (const rule of this.rules) {
      if (rule.busName !== busName || !matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        const delivery = (async () => {
          await new Promise((resolve) => setImmediate(resolve));
          try {
            await this.deliver(target, targetInput(target, event, rule), rule);
            this.log(
              rule.name,
              'debug',
              `event ${String(event.id)} delivered to target ${target.id} (${target.arn})`,
            );
          } catch (error) {
            this.log(
              rule.name,
              'warn',
              `target ${target.id} (${target.arn}) failed: ${(error as Error).message}`,
            );
          }
        })();
        this.inFlight.add(delivery);
        void delivery.finally(() => this.inFlight.delete(delivery));
      }
    }
  }

  private log(resource: string, level: LocalLogLine['level'], message: string): void {
    this.onLog({ timestamp: Date.now(), source: 'event-source', resource, level, message });
  }
}
