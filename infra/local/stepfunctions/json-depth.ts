/**
 * How deep a JSON document may nest before the local cloud refuses it. AWS documents no nesting
 * limit for execution input, but it refuses input it cannot process; the interpreter and the
 * history walk documents recursively and fail (without an error a caller can see) somewhere past
 * a few thousand levels. 1,000 levels is far beyond any real payload and well inside what every
 * part of the local cloud handles.
 */
export const MAX_JSON_DEPTH = 1_000;

/**
 * The nesting depth of a JSON text, counted without parsing it or recursing (so any depth can be
 * measured): every `{` or `[` outside a string opens a level.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return deepest;
}
