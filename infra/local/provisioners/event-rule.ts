import { planEventRule } from '../event-sources/event-rule.js';
import { localPeriod } from '../event-sources/schedule-rules.js';
import type { EventTarget } from '../eventbridge/event-bus-service.js';
import { planPatternRule } from '../eventbridge/pattern-rule.js';
import { physicalName } from '../naming.js';
import type { ProvisionContext, Provisioner } from './context.js';

/**
 * `AWS::Events::Rule` → event-pattern rules match the events put on their bus; rate schedules run
 * (their period divided by `scheduleRateDivisor`); the others are listed with why they never fire.
 */
export const eventRuleProvisioner: Provisioner = {
  types: ['AWS::Events::Rule'],
  provision(entries, ctx) {
    const { options } = ctx;
    for (const entry of entries) {
      const where = ctx.where(entry);
      const props = entry.resource.Properties ?? {};
      const name =
        typeof props.Name === 'string'
          ? props.Name
          : physicalName(entry.stack.stackName, entry.logicalId, 64);
      const arn = `arn:aws:events:${ctx.region}:${ctx.accountId}:rule/${name}`;
      try {
        const resolver = ctx.resolver(entry);
        if (props.ScheduleExpression === undefined && props.EventPattern !== undefined) {
          const plan = planPatternRule({
            name,
            arn,
            properties: props,
            resolve: (value, at) => resolver.resolve(value, `${entry.logicalId}.${at}`),
            targetKindOf: (targetArn) => targetKind(ctx, targetArn),
          });
          ctx.register(
            entry,
            {
              kind: 'eventRule',
              name,
              arn,
              eventRule: {
                trigger: 'event pattern',
                eventBus: plan.busName,
                ...(plan.notRunReason ? { notRunReason: plan.notRunReason } : {}),
              },
            },
            name,
            { Arn: arn },
          );
          for (const skipped of plan.skippedTargets) ctx.log('warn', `event rule ${where}: ${skipped}`);
          if (plan.notRunReason)
            ctx.log('warn', `event rule ${where} (event pattern) never fires locally: ${plan.notRunReason}`);
          if (plan.rule) ctx.engines.addEventRule(plan.rule);
          continue;
        }
        const plan = planEventRule({
          name,
          arn,
          properties: props,
          resolve: (value, at) => resolver.resolve(value, `${entry.logicalId}.${at}`),
          functionNameOf: (fnArn) => {
            const fn = ctx.engines.lambda.lookup(fnArn);
            if (fn) return fn.config.name;
            const reason = ctx.unrunnable.get(/:function:([^:]+)/.exec(fnArn)?.[1] ?? fnArn);
            if (reason) ctx.problem(reason);
            return undefined;
          },
        });
        const notRunReason =
          plan.notRunReason ??
          (options.runSchedules === false ? 'schedules are off (runSchedules: false)' : undefined);
        const localPeriodMs =
          plan.schedule && !notRunReason
            ? localPeriod(plan.schedule.periodMs, options.scheduleRateDivisor ?? 1)
            : undefined;
        ctx.register(
          entry,
          {
            kind: 'eventRule',
            name,
            arn,
            eventRule: {
              trigger: plan.trigger,
              ...(localPeriodMs === undefined ? {} : { localPeriodMs }),
              ...(notRunReason ? { notRunReason } : {}),
            },
          },
          name,
          { Arn: arn },
        );
        for (const skipped of plan.skippedTargets) ctx.log('warn', `event rule ${where}: ${skipped}`);
        if (plan.notRunReason) {
          ctx.log('warn', `event rule ${where} (${plan.trigger}) never fires locally: ${plan.notRunReason}`);
        }
        const schedule = plan.schedule;
        if (schedule && !notRunReason) ctx.whenStarted(() => ctx.engines.startSchedule(schedule));
      } catch (error) {
        ctx.problem(`event rule ${where}: ${(error as Error).message}`);
      }
    }
  },
};

function targetKind(ctx: ProvisionContext, arn: string): EventTarget['kind'] | undefined {
  if (arn.startsWith('arn:aws:lambda:')) {
    if (ctx.engines.lambda.lookup(arn)) return 'function';
    const reason = ctx.unrunnable.get(/:function:([^:]+)/.exec(arn)?.[1] ?? arn);
    if (reason) ctx.problem(reason);
    return undefined;
  }
  if (/^arn:aws:events:[^:]*:[^:]*:event-bus\//.test(arn)) return 'bus';
  const resource = ctx.index.all.find((r) => r.arn === arn);
  if (resource?.kind === 'queue' || resource?.kind === 'stateMachine' || resource?.kind === 'topic')
    return resource.kind;
  return undefined;
}
