import type { LocalLogLine, LocalResourceIndex } from '../types.js';
import type { ResourceChange, ResourceDiff } from './assembly-diff.js';

/** One resource a reload found added, updated or removed, and what the running cloud did about it. */
export interface ReloadChange {
  /** The CloudFormation type, e.g. `AWS::Lambda::Function`. */
  readonly type: string;
  /** The construct path, or `stack/logicalId`. */
  readonly where: string;
  readonly change: Exclude<ResourceChange, 'unchanged'>;
  /**
   * Whether the running cloud now matches the app for this resource. A removed resource is kept
   * (with its data), and a change to a resource other than a function, version, alias or state
   * machine, or a new table or queue, takes a restart of the local cloud.
   */
  readonly applied: boolean;
  /** The physical name, and for a function version its number. */
  readonly name?: string;
  readonly version?: string;
}

/** What `LocalCloud.reload` did. */
export interface ReloadReport {
  /** Every resource that differs from the previous synthesis; empty when nothing changed. */
  readonly changes: readonly ReloadChange[];
  /** Why some of the new app could not be applied (as start-up would have refused it). */
  readonly problems: readonly string[];
  readonly durationMs: number;
}

/** The changes of a reload, from the diff of the two syntheses and what is running now. */
export function reloadChanges(
  diffs: readonly ResourceDiff[],
  index: LocalResourceIndex,
  applies: { readonly replaced: ReadonlySet<string>; readonly created: ReadonlySet<string> },
): ReloadChange[] {
  return diffs
    .filter((d): d is ResourceDiff & { change: ReloadChange['change'] } => d.change !== 'unchanged')
    .map((d) => {
      const running = index.get(d.stack, d.logicalId);
      const applied =
        d.change !== 'removed' &&
        (applies.replaced.has(d.type) || (applies.created.has(d.type) && d.change === 'added')) &&
        running !== undefined;
      return {
        type: d.type,
        where: d.path ?? `${d.stack}/${d.logicalId}`,
        change: d.change,
        applied,
        ...(running ? { name: running.name } : {}),
        ...(running?.version && d.type === 'AWS::Lambda::Version' ? { version: running.version } : {}),
      };
    });
}

const LABEL: Record<string, string> = {
  'AWS::Lambda::Function': 'function',
  'AWS::Lambda::Version': 'function version',
  'AWS::Lambda::Alias': 'alias',
  'AWS::StepFunctions::StateMachine': 'state machine',
  'AWS::DynamoDB::Table': 'table',
  'AWS::DynamoDB::GlobalTable': 'table',
  'AWS::SQS::Queue': 'queue',
};

/** One log line per change, for `local up --watch` and the cloud's log. */
export function describeReload(report: ReloadReport): Array<Pick<LocalLogLine, 'level' | 'message'>> {
  // IAM, log groups and the like change with almost every edit and do nothing locally.
  const shown = report.changes.filter(
    (c) => c.applied || LABEL[c.type] !== undefined || c.change !== 'updated',
  );
  const lines: Array<Pick<LocalLogLine, 'level' | 'message'>> = [];
  if (shown.length === 0 && report.problems.length === 0) {
    lines.push({
      level: 'info',
      message: `reloaded in ${report.durationMs} ms: nothing that runs locally changed`,
    });
    return lines;
  }
  lines.push({ level: 'info', message: `reloaded in ${report.durationMs} ms: ${shown.length} change(s)` });
  for (const c of shown) {
    const label = LABEL[c.type] ?? c.type;
    const name = c.name && !c.where.includes(c.name) ? ` (${c.name})` : '';
    if (c.type === 'AWS::Lambda::Version' && c.change === 'added' && c.version) {
      lines.push({ level: 'info', message: `  published ${label} ${c.version}: ${c.where}${name}` });
    } else if (c.type === 'AWS::Lambda::Version' && c.change === 'removed') {
      // Retained, as RemovalPolicy.RETAIN keeps it on AWS: executions started on it still call it.
      lines.push({
        level: 'info',
        message: `  kept ${label} ${c.version ?? ''} for the executions started on it: ${c.where}${name}`,
      });
    } else if (c.change === 'removed') {
      lines.push({
        level: 'warn',
        message: `  ${label} removed from the app, kept running locally until a restart: ${c.where}`,
      });
    } else if (!c.applied) {
      lines.push({
        level: 'warn',
        message: `  ${label} ${c.change}, not applied until "local up" restarts: ${c.where}`,
      });
    } else {
      lines.push({ level: 'info', message: `  ${c.change} ${label}: ${c.where}${name}` });
    }
  }
  for (const problem of report.problems) lines.push({ level: 'error', message: `  ${problem}` });
  return lines;
}
