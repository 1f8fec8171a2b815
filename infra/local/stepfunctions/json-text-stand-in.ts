/**
 * The interpreter strips every backslash from an intrinsic function's string result, so its
 * States.JsonToString turns JSON holding quotes or nested JSON (a Lambda error cause, a message
 * body carrying JSON text) into invalid JSON. Where the whole field is `States.JsonToString($path)`,
 * the local cloud passes the raw value under a stand-in name instead and serializes it itself, as
 * Step Functions would, just before the task runs.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Suffix of a stand-in field whose value the task runner turns into JSON text. */
export const JSON_TO_STRING_SUFFIX = '#JsonToString';
const JSON_TO_STRING = /^States\.JsonToString\(\s*(\$[^(),]*?)\s*\)$/;

/** The path of `States.JsonToString($path)`, or undefined for any other expression. */
export function jsonToStringPath(expression: string): string | undefined {
  return JSON_TO_STRING.exec(expression)?.[1];
}

/**
 * Rewrites each `"field.$": "States.JsonToString($path)"` in a Task's Parameters, at any depth, into
 * `"field#JsonToString.$": "$path"`, in place. Returns whether it rewrote any field.
 */
export function standInJsonToString(value: Json): boolean {
  if (Array.isArray(value)) return value.map(standInJsonToString).some(Boolean);
  if (value === null || typeof value !== 'object') return false;
  let rewrote = false;
  // Rebuilt in place and in order, so the payload keeps the field order Step Functions sends.
  const entries = Object.entries(value).map(([key, field]): [string, Json] => {
    const path = key.endsWith('.$') && typeof field === 'string' ? jsonToStringPath(field) : undefined;
    if (path) {
      rewrote = true;
      return [`${key.slice(0, -2)}${JSON_TO_STRING_SUFFIX}.$`, path];
    }
    if (standInJsonToString(field)) rewrote = true;
    return [key, field];
  });
  if (!rewrote) return false;
  for (const key of Object.keys(value)) delete value[key];
  Object.assign(value, Object.fromEntries(entries));
  return true;
}

/** The evaluated Parameters with every stand-in field back under its own name, as JSON text. */
export function restoreJsonText(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(restoreJsonText);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) =>
      key.endsWith(JSON_TO_STRING_SUFFIX)
        ? [key.slice(0, -JSON_TO_STRING_SUFFIX.length), JSON.stringify(field)]
        : [key, restoreJsonText(field)],
    ),
  );
}
