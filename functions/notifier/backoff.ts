import { type BackoffConfig, MAX_VISIBILITY_SECONDS } from './config.js';

/**
 * Seconds to hide a message after its `receiveCount`-th attempt failed:
 * `base × 2^(receiveCount-1)`, capped at `maxSeconds`, with "equal jitter" (the upper half of the
 * interval is random). Equal rather than full jitter keeps every gap at least as long as the one
 * before it, so attempts thin out as promised while many failing messages still spread apart.
 */
export function backoffSeconds(
  receiveCount: number,
  backoff: BackoffConfig,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, receiveCount - 1);
  const ceiling = Math.min(backoff.maxSeconds, backoff.baseSeconds * 2 ** Math.min(exponent, 30));
  const jittered = ceiling / 2 + (random() * ceiling) / 2;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, Math.ceil(jittered)));
}
