import { planEventRule } from '../event-sources/event-rule.js';
import { localPeriod } from '../event-sources/schedule-rules.js';
import { physicalName } from '../naming.js';
import type { Provisioner } from './context.js';

/**
 * `AWS::Events::Rule` → rate schedules run (their period divided by `scheduleRateDivisor`); the
 * others are listed with why they never fire.
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
