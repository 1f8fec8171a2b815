import { parseScheduleExpression } from './schedule-expression.js';
import type { ScheduleRuleConfig, ScheduleTarget } from './schedule-rules.js';

export interface EventRuleSource {
  readonly name: string;
  readonly arn: string;
  /** The rule's template properties, unresolved. */
  readonly properties: Record<string, unknown>;
  /** Resolves intrinsics in a template value (throws for a reference the cloud cannot resolve). */
  readonly resolve: (value: unknown, where: string) => unknown;
  /** The name of the app's function with this ARN, or undefined when it is not one. */
  readonly functionNameOf: (arn: string) => string | undefined;
}

export interface EventRulePlan {
  /** What triggers the rule: its schedule expression, or `event pattern`. */
  readonly trigger: string;
  /** The schedule to run; absent when the rule never fires locally. */
  readonly schedule?: ScheduleRuleConfig;
  /** Why the rule never fires locally. */
  readonly notRunReason?: string;
  /** Targets left out of a rule that runs, each with the reason. */
  readonly skippedTargets: readonly string[];
}

/**
 * Decides how the local cloud runs a scheduled `AWS::Events::Rule` (event-pattern rules are planned
 * by `planPatternRule`): a rate schedule that is enabled and targets functions of the app runs; a
 * cron schedule, a disabled rule or one with no function target is listed and never fires. Throws for a malformed schedule expression,
 * which CloudFormation would refuse too. Only the targets of a rule that runs are resolved, so a
 * rule that never fires cannot fail start-up through a reference to something not emulated.
 */
export function planEventRule(source: EventRuleSource): EventRulePlan {
  const props = source.properties;
  if (props.ScheduleExpression === undefined) {
    return {
      trigger: 'event pattern',
      notRunReason: 'it matches events on a bus, and the local cloud has no event bus',
      skippedTargets: [],
    };
  }
  const expression = String(source.resolve(props.ScheduleExpression, 'ScheduleExpression'));
  const parsed = parseScheduleExpression(expression);
  const notRun = (notRunReason: string): EventRulePlan => ({
    trigger: expression,
    notRunReason,
    skippedTargets: [],
  });
  if (parsed.kind === 'not-run') return notRun(parsed.reason);
  const state = props.State === undefined ? 'ENABLED' : String(props.State);
  if (state === 'DISABLED') return notRun('its State is DISABLED');

  const targets: ScheduleTarget[] = [];
  const skippedTargets: string[] = [];
  const rawTargets = Array.isArray(props.Targets) ? (props.Targets as Record<string, unknown>[]) : [];
  rawTargets.forEach((raw, index) => {
    const id = typeof raw.Id === 'string' ? raw.Id : `#${index}`;
    const skip = (reason: string) => skippedTargets.push(`target ${id}: ${reason}`);
    if (raw.InputPath !== undefined || raw.InputTransformer !== undefined) {
      skip('InputPath and InputTransformer are not supported locally; use Input or the scheduled event');
      return;
    }
    let arn: string;
    let input: string | undefined;
    try {
      arn = String(source.resolve(raw.Arn, `Targets[${index}].Arn`));
      if (raw.Input !== undefined) input = String(source.resolve(raw.Input, `Targets[${index}].Input`));
    } catch (error) {
      skip((error as Error).message);
      return;
    }
    const functionName = source.functionNameOf(arn);
    if (!functionName) {
      skip(`${arn} is not a function of the app; the local cloud invokes function targets only`);
      return;
    }
    if (input !== undefined) {
      try {
        JSON.parse(input);
      } catch {
        skip(`its Input is not JSON: ${input.slice(0, 100)}`);
        return;
      }
    }
    targets.push({ id, functionName, arn, ...(input === undefined ? {} : { input }) });
  });
  if (targets.length === 0) {
    return {
      trigger: expression,
      notRunReason: 'it has no target the local cloud can invoke',
      skippedTargets,
    };
  }
  return {
    trigger: expression,
    schedule: { name: source.name, arn: source.arn, expression, periodMs: parsed.periodMs, targets },
    skippedTargets,
  };
}
