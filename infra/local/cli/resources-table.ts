import { toGatewayQueueUrl } from '../gateway/index.js';
import type { LocalResource, LocalResourceIndex } from '../types.js';
import { formatTable } from './table.js';

const KIND_ORDER = ['stateMachine', 'function', 'table', 'queue', 'eventSourceMapping'] as const;
const KIND_LABEL: Record<string, string> = {
  stateMachine: 'state machine',
  function: 'function',
  table: 'table',
  queue: 'queue',
  eventSourceMapping: 'event source',
};

function address(resource: LocalResource, gatewayEndpoint: string | undefined): string {
  if (resource.kind === 'queue' && resource.url) {
    return gatewayEndpoint ? toGatewayQueueUrl(resource.url, gatewayEndpoint) : resource.url;
  }
  return resource.arn;
}

/** The cloud's resources as a table; queue URLs point at the gateway so they can be pasted into clients. */
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
