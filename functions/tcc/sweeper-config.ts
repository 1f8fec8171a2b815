import { envReader } from '../shared/env-reader.js';

/** Environment variables of the reservation sweeper (set by the `ReservationSweeper` construct). */
export const SweeperEnv = {
  tableName: 'STEPSAGA_TABLE_NAME',
  participantFunction: 'STEPSAGA_PARTICIPANT_FUNCTION',
  batchLimit: 'STEPSAGA_SWEEP_LIMIT',
} as const;

export interface SweeperConfig {
  readonly tableName: string;
  readonly participantFunction: string;
  readonly limit: number;
}

export const DEFAULT_SWEEP_LIMIT = 200;

export function sweeperConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SweeperConfig {
  const read = envReader(env, {
    missingHint:
      'The ReservationSweeper construct sets it; set it yourself when running the sweeper outside the construct.',
    error: (message) => new Error(message),
  });
  const tableName = read.required(SweeperEnv.tableName);
  const participantFunction = read.required(SweeperEnv.participantFunction);
  const rawLimit = env[SweeperEnv.batchLimit];
  const limit = rawLimit ? Number(rawLimit) : DEFAULT_SWEEP_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(
      `${SweeperEnv.batchLimit} must be a whole number of at least 1 (got ${JSON.stringify(rawLimit)}). Unset it for the default of ${DEFAULT_SWEEP_LIMIT}.`,
    );
  }
  return { tableName, participantFunction, limit };
}
