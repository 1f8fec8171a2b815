import { toGatewayQueueUrl } from '../gateway/index.js';
import type { LocalResource, LocalResourceIndex } from '../types.js';
import { formatTable } from './table.js';

const KIND_ORDER = [
  'stateMachine',
  'function',
  'table',
  'queue',
  'topic',
  'subscription',
  'eventBus',
  'eventSourceMapping',
  'eventRule',
] as const;
const KIND_LABEL: Record<string, string> = {
  stateMachine: 'state machine',
  function: 'function',
  table: 'table',
  queue: 'queue',
  eventSourceMapping: 'event source',
  eventRule: 'event rule',
  topic: 'topic',
  subscription: 'subscription',
  eventBus: 'event bus',
};

function every(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms >= 1_000 ? `${Number((ms / 1_000).toFixed(2))} s` : `${Math.round(ms)} ms`;
}

function address(resource: LocalResource, gatewayEndpoint: string | undefined): string {
  if (resource.kind === 'queue' && resource.url) {
    return gatewayEndpoint ? toGatewayQueueUrl(resource.url, gatewayEndpoint) : resource.url;
  }
  // A rule's ARN tells nothing a reader can use; when and whether it fires here does.
  const rule = resource.eventRule;
  if (rule) {
    if (rule.eventBus && !rule.notRunReason) return `${rule.trigger} on bus ${rule.eventBus}`;
    return rule.localPeriodMs === undefined
      ? `${rule.trigger}, not run: ${rule.notRunReason ?? 'unknown'}`
      : `${rule.trigger}, every ${every(rule.localPeriodMs)} here`;
  }
  return resource.arn;
}

/**
 * The cloud's resources as a table; queue URLs point at the gateway so they can be pasted into
 * clients, and event rules show their schedule instead of an ARN.
 */
export function resourcesTable(resources: LocalResourceIndex, gatewayEndpoint?: string): string {
  const rows = KIND_ORDER.flatMap((kind) =>
    resources
      .list(kind)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => [
        KIND_LABEL[kind] ?? kind,
        r.path ?? `${r.stack}/${r.logicalId}`,
        r.name,
        address(r, gatewayEndpoint),
      ]),
  );
  return formatTable(['KIND', 'CONSTRUCT', 'NAME', 'ARN / URL'], rows);
}
