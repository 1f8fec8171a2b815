/** Environment variable naming the participant's table (set by the `Participant` construct). */
import { StepsagaError } from '../shared/stepsaga-error.js';
export const TABLE_NAME_ENV = 'STEPSAGA_TABLE_NAME';
/** Environment variable holding how many days barrier and outbox items are kept (their TTL). */
export const RETENTION_ENV = 'STEPSAGA_BARRIER_RETENTION_DAYS';
/** Environment variable that, when `true`, logs inputs, results and event payloads. */
export const LOG_PAYLOADS_ENV = 'STEPSAGA_LOG_PAYLOADS';
/** `true` keeps stack traces in the errors a participant returns to its caller (off: they carry file paths). */
export const ERROR_STACK_TRACES_ENV = 'STEPSAGA_ERROR_STACK_TRACES';

/** Days barrier and outbox items are kept unless configured otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
/** Shorter retention would let a barrier expire while a saga can still retry or compensate the step. */
export const MIN_RETENTION_DAYS = 7;

/** The participant is misconfigured (no table, a retention below the minimum); raised when the handler is defined (retention) or invoked (table). */
export class ParticipantConfigError extends StepsagaError {
  override readonly name = 'SagaParticipantConfigError';
}

/** The participant's own table: an explicit option wins, otherwise the function's environment. */
export function resolveTableName(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const name = explicit ?? env[TABLE_NAME_ENV];
  if (!name) {
    throw new ParticipantConfigError(
      `The participant has no table: set the ${TABLE_NAME_ENV} environment variable (the Participant construct does) ` +
        'or pass "tableName" to defineParticipant().',
    );
  }
  return name;
}

export function resolveRetentionDays(
  explicit: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const raw =
    explicit ??
    (env[RETENTION_ENV] === undefined || env[RETENTION_ENV] === '' ? undefined : env[RETENTION_ENV]);
  if (raw === undefined) return DEFAULT_RETENTION_DAYS;
  const days = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(days) || days < MIN_RETENTION_DAYS) {
    const source =
      explicit === undefined ? `${RETENTION_ENV}=${JSON.stringify(raw)}` : `barrierRetentionDays: ${raw}`;
    throw new ParticipantConfigError(
      `Invalid barrier retention ${source}: it must be a number of days >= ${MIN_RETENTION_DAYS} ` +
        `(default ${DEFAULT_RETENTION_DAYS}), so that barriers outlive every retry and compensation of a saga.`,
    );
  }
  return days;
}

export function resolveLogPayloads(
  explicit: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return explicit ?? env[LOG_PAYLOADS_ENV] === 'true';
}

export function resolveErrorStackTraces(
  explicit: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return explicit ?? env[ERROR_STACK_TRACES_ENV] === 'true';
}
