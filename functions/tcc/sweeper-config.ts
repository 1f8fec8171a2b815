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
  const tableName = env[SweeperEnv.tableName];
  const participantFunction = env[SweeperEnv.participantFunction];
  for (const [name, value] of [
    [SweeperEnv.tableName, tableName],
    [SweeperEnv.participantFunction, participantFunction],
  ] as const) {
    if (!value) {
      throw new Error(
        `${name} is not set. The ReservationSweeper construct sets it; set it yourself when running the sweeper outside the construct.`,
      );
    }
  }
  const rawLimit = env[SweeperEnv.batchLimit];
  const limit = rawLimit ? Number(rawLimit) : DEFAULT_SWEEP_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(
      `${SweeperEnv.batchLimit} must be a whole number of at least 1 (got ${JSON.stringify(rawLimit)}). Unset it for the default of ${DEFAULT_SWEEP_LIMIT}.`,
    );
  }
  return { tableName: tableName!, participantFunction: participantFunction!, limit };
}
