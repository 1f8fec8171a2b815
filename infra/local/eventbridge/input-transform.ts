/**
 * What an EventBridge target receives: the whole event, its `Input` (constant JSON text), the part
 * its `InputPath` selects, or its `InputTransformer`'s template filled from the event.
 */
export interface TargetInput {
  readonly input?: string;
  readonly inputPath?: string;
  readonly inputTransformer?: {
    readonly InputPathsMap?: Readonly<Record<string, string>>;
    readonly InputTemplate: string;
  };
}

export class InputTransformError extends Error {
  override readonly name = 'InputTransformError';
}

/** Reads a JSONPath of the simple form EventBridge accepts (`$`, `$.detail.items[0].sku`). */
export function readPath(value: unknown, path: string): unknown {
  if (path === '$') return value;
  if (!path.startsWith('$.') && !path.startsWith('$['))
    throw new InputTransformError(`path ${path} must start with $. or $[`);
  const steps = path
    .slice(1)
    .split(/\.|\[(\d+)\]/)
    .filter((s) => s !== undefined && s !== '');
  let current = value;
  for (const step of steps) {
    if (current === null || typeof current !== 'object') return undefined;
    current =
      Array.isArray(current) && /^\d+$/.test(step)
        ? current[Number(step)]
        : (current as Record<string, unknown>)[step];
  }
  return current;
}

/**
 * The text the target is sent. In an InputTransformer template, a `<name>` inside a JSON string is
 * replaced by the value's text; elsewhere by its JSON (a string gets its quotes), as EventBridge does.
 * A path that selects nothing yields `null` outside strings and nothing inside them.
 */
export function targetInput(
  target: TargetInput,
  event: Record<string, unknown>,
  rule: { name: string; arn: string },
): string {
  if (target.input !== undefined) return target.input;
  if (target.inputPath !== undefined) return JSON.stringify(readPath(event, target.inputPath) ?? null);
  const transformer = target.inputTransformer;
  if (!transformer) return JSON.stringify(event);
  const values = new Map<string, unknown>([
    ['aws.events.rule-arn', rule.arn],
    ['aws.events.rule-name', rule.name],
    ['aws.events.event.ingestion-time', event.time],
    ['aws.events.event', event],
    ['aws.events.event.json', event],
  ]);
  for (const [name, path] of Object.entries(transformer.InputPathsMap ?? {}))
    values.set(name, readPath(event, path));
  const template = transformer.InputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === '<') {
      const end = template.indexOf('>', i);
      const name = end > i ? template.slice(i + 1, end) : '';
      if (name && values.has(name)) {
        const value = values.get(name);
        if (inString) {
          const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
          out += JSON.stringify(text).slice(1, -1);
        } else out += JSON.stringify(value ?? null);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}
