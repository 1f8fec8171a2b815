import { parseEventPattern } from '../event-sources/event-pattern.js';
import type { EventPatternRule, EventTarget } from './event-bus-service.js';

export interface PatternRuleSource {
  readonly name: string;
  readonly arn: string;
  /** The rule's template properties, unresolved. */
  readonly properties: Record<string, unknown>;
  readonly resolve: (value: unknown, where: string) => unknown;
  /** What kind of local resource an ARN names, or undefined when it is none of the app's. */
  readonly targetKindOf: (arn: string) => EventTarget['kind'] | undefined;
}

export interface PatternRulePlan {
  readonly busName: string;
  /** The rule to add; absent when it never fires locally. */
  readonly rule?: EventPatternRule;
  readonly notRunReason?: string;
  readonly skippedTargets: readonly string[];
}

/**
 * Decides how the local cloud runs an `AWS::Events::Rule` with an `EventPattern`: on its bus, to
 * the targets that are functions, queues, state machines, topics or buses of the app. Throws for a
 * pattern EventBridge would refuse.
 */
export function planPatternRule(source: PatternRuleSource): PatternRulePlan {
  const props = source.properties;
  const busValue =
    props.EventBusName === undefined ? 'default' : String(source.resolve(props.EventBusName, 'EventBusName'));
  const busName = /:event-bus\/(.+)$/.exec(busValue)?.[1] ?? busValue;
  const pattern = parseEventPattern(
    source.resolve(props.EventPattern, 'EventPattern'),
    `rule ${source.name} EventPattern`,
  );
  const state = props.State === undefined ? 'ENABLED' : String(props.State);
  if (state === 'DISABLED') return { busName, notRunReason: 'its State is DISABLED', skippedTargets: [] };
  const targets: EventTarget[] = [];
  const skippedTargets: string[] = [];
  const rawTargets = Array.isArray(props.Targets) ? (props.Targets as Record<string, unknown>[]) : [];
  rawTargets.forEach((raw, index) => {
    const id = typeof raw.Id === 'string' ? raw.Id : `#${index}`;
    const skip = (reason: string) => skippedTargets.push(`target ${id}: ${reason}`);
    try {
      const at = `Targets[${index}]`;
      const arn = String(source.resolve(raw.Arn, `${at}.Arn`));
      const kind = source.targetKindOf(arn);
      if (!kind) {
        skip(
          `${arn} is not a function, queue, state machine, topic or bus of the app, so nothing is delivered to it`,
        );
        return;
      }
      const input = raw.Input === undefined ? undefined : String(source.resolve(raw.Input, `${at}.Input`));
      const transformer = source.resolve(raw.InputTransformer, `${at}.InputTransformer`) as
        | { InputPathsMap?: Record<string, string>; InputTemplate: string }
        | undefined;
      const groupId = (
        source.resolve(raw.SqsParameters, `${at}.SqsParameters`) as { MessageGroupId?: string } | undefined
      )?.MessageGroupId;
      targets.push({
        id,
        kind,
        arn,
        ...(input === undefined ? {} : { input }),
        ...(typeof raw.InputPath === 'string' ? { inputPath: raw.InputPath } : {}),
        ...(transformer ? { inputTransformer: transformer } : {}),
        ...(groupId ? { messageGroupId: groupId } : {}),
      });
    } catch (error) {
      skip((error as Error).message);
    }
  });
  if (targets.length === 0)
    return { busName, notRunReason: 'it has no target the local cloud can deliver to', skippedTargets };
  return { busName, rule: { name: source.name, arn: source.arn, busName, pattern, targets }, skippedTargets };
}
