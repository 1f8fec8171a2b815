/**
 * The part of a forward phase's result the saga keeps in its state (`keepResult` of the step): the
 * listed top-level fields that the result has. The participant runtime projects it, not a
 * `ResultSelector`, because a selector path missing from a result fails the execution with
 * `States.Runtime`, which no Catch handles, after the step has committed. The barrier still records
 * the whole result, so a compensation undoes from everything the action returned.
 */
export function keptResult(result: unknown, keep: readonly string[] | undefined): unknown {
  if (keep === undefined) return result;
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return {};
  const record = result as Record<string, unknown>;
  return Object.fromEntries(
    keep.filter((key) => Object.hasOwn(record, key)).map((key) => [key, record[key]]),
  );
}
