/** Environment variable with the seconds a Try's reservation may wait for its Confirm or Cancel. */
export const RESERVATION_SECONDS_ENV = 'TRANSFER_RESERVATION_SECONDS';

/** 15 minutes: far above the Transfer transaction's worst case from Try to Confirm. */
export const DEFAULT_RESERVATION_SECONDS = 900;

export function reservationSeconds(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[RESERVATION_SECONDS_ENV];
  if (raw === undefined || raw === '') return DEFAULT_RESERVATION_SECONDS;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new RangeError(
      `${RESERVATION_SECONDS_ENV} must be a whole number of seconds of at least 1 (got ${JSON.stringify(raw)}). Unset it for the default of ${DEFAULT_RESERVATION_SECONDS}.`,
    );
  }
  return seconds;
}
