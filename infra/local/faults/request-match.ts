import type { ParticipantMatch } from './fault-plan.js';

/** What a fault rule can match an event on: the saga coordinates of a participant call. */
export interface EventCoordinates {
  readonly sagaId?: string;
  readonly step?: string;
  readonly phase?: string;
  readonly action?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** A `ParticipantRequest` payload's coordinates; empty for any other event (SQS, stream batches). */
export function coordinatesOfInvocation(event: unknown): EventCoordinates {
  if (!event || typeof event !== 'object' || Array.isArray(event)) return {};
  const request = event as Record<string, unknown>;
  const found = {
    sagaId: text(request.sagaId),
    step: text(request.step),
    phase: text(request.phase),
    action: text(request.action),
  };
  return Object.fromEntries(Object.entries(found).filter(([, v]) => v !== undefined));
}

interface AttributeMap {
  readonly [name: string]: { readonly S?: string } | undefined;
}

function barrierOf(item: AttributeMap | undefined): EventCoordinates | undefined {
  const pk = item?.pk?.S;
  const sk = item?.sk?.S;
  if (!pk?.startsWith('BARRIER#') || !sk) return undefined;
  // `BARRIER#<sagaName>#<sagaId>`: a saga name has no `#`, a saga id may.
  const instance = pk.slice('BARRIER#'.length);
  const afterName = instance.indexOf('#');
  const hash = sk.lastIndexOf('#');
  const action = item?.action?.S;
  return {
    sagaId: afterName >= 0 ? instance.slice(afterName + 1) : instance,
    ...(hash > 0 ? { step: sk.slice(0, hash), phase: sk.slice(hash + 1) } : {}),
    ...(action ? { action } : {}),
  };
}

/**
 * The coordinates of a DynamoDB request a participant sent: from the barrier item it puts (the
 * phase being committed), else from the first barrier key it reads or checks.
 */
export function coordinatesOfDynamoDbRequest(body: unknown): EventCoordinates {
  const request = (body ?? {}) as {
    TransactItems?: Array<Record<string, { Item?: AttributeMap; Key?: AttributeMap } | undefined>>;
    Key?: AttributeMap;
    Item?: AttributeMap;
  };
  const items = request.TransactItems ?? [];
  for (const entry of items) {
    const found = barrierOf(entry.Put?.Item);
    if (found) return found;
  }
  for (const entry of items) {
    for (const op of Object.values(entry)) {
      const found = barrierOf(op?.Key);
      if (found) return found;
    }
  }
  return barrierOf(request.Item) ?? barrierOf(request.Key) ?? {};
}

/** Table names a DynamoDB request names (TableName, TransactItems, RequestItems). */
export function tablesOfDynamoDbRequest(body: unknown): string[] {
  const request = (body ?? {}) as {
    TableName?: string;
    TransactItems?: Array<Record<string, { TableName?: string } | undefined>>;
    RequestItems?: Record<string, unknown>;
  };
  const names = new Set<string>();
  if (request.TableName) names.add(request.TableName);
  for (const entry of request.TransactItems ?? []) {
    for (const op of Object.values(entry)) if (op?.TableName) names.add(op.TableName);
  }
  for (const name of Object.keys(request.RequestItems ?? {})) names.add(name);
  return [...names];
}

export function matchesCoordinates(match: ParticipantMatch, at: EventCoordinates): boolean {
  return (
    (match.sagaId === undefined || match.sagaId === at.sagaId) &&
    (match.step === undefined || match.step === at.step) &&
    (match.phase === undefined || match.phase === at.phase) &&
    (match.action === undefined || match.action === at.action)
  );
}
