/** Reads a function's configuration from its environment, failing with the caller's error class. */
export interface EnvReader {
  /** The value of `name`; fails when it is unset or empty. */
  required(name: string): string;
  /** A whole number from `min` to `max`; `fallback` when `name` is unset or empty. */
  integer(name: string, fallback: number, min: number, max: number): number;
  /** The one of two alternative variables that is set; fails when both or neither are. */
  exactlyOne(first: string, second: string): { readonly name: string; readonly value: string };
}

export interface EnvReaderOptions {
  /** Follows "<NAME> is not set." and says who sets the variable, e.g. "The X construct sets it; …". */
  readonly missingHint: string;
  readonly error: (message: string) => Error;
}

export function envReader(env: NodeJS.ProcessEnv, options: EnvReaderOptions): EnvReader {
  return {
    required(name) {
      const value = env[name];
      if (!value) throw options.error(`${name} is not set. ${options.missingHint}`);
      return value;
    },
    integer(name, fallback, min, max) {
      const raw = env[name];
      if (raw === undefined || raw === '') return fallback;
      const value = Number(raw);
      if (!Number.isInteger(value) || value < min || value > max) {
        throw options.error(
          `${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)}).`,
        );
      }
      return value;
    },
    exactlyOne(first, second) {
      const firstValue = env[first];
      const secondValue = env[second];
      if (Boolean(firstValue) === Boolean(secondValue)) {
        throw options.error(
          `Set exactly one of ${first} and ${second} (got ${firstValue ? 'both' : 'neither'}).`,
        );
      }
      return firstValue ? { name: first, value: firstValue } : { name: second, value: secondValue! };
    },
  };
}
