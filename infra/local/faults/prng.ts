/** FNV-1a over a string: a stable 32-bit hash, so that draws depend only on their key. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** mulberry32: a small seeded generator with a full 2^32 period, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * One uniform draw in [0, 1) for a named decision. Keyed rather than streamed: concurrent
 * invocations interleave differently from run to run, and a shared stream would hand them different
 * numbers each time; a keyed draw gives the same invocation the same number under any interleaving.
 */
export function keyedDraw(seed: number, key: string): number {
  return mulberry32(hashString(key, hashString(String(seed))))();
}
