import { ChoreographyConfigError } from './errors.js';

/** Which queues receive each event type: the subscriptions of a choreography. */
export type ChoreographyRoutes = Readonly<Record<string, readonly string[]>>;

/** Environment variables of the choreography's system functions (set by the `Choreography` construct). */
export const ChoreographyEnv = {
  /** JSON {eventType: [queueUrl, ...]} of the router. */
  routes: 'STEPSAGA_CHOREOGRAPHY_ROUTES',
  /** The tracker's table. */
  trackerTable: 'STEPSAGA_TRACKER_TABLE',
  /** JSON {eventType: {step, marks, outcome?}} of the tracker. */
  trackedEvents: 'STEPSAGA_TRACKED_EVENTS',
} as const;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');
}

export function routesFromEnv(env: NodeJS.ProcessEnv = process.env): ChoreographyRoutes {
  const raw = env[ChoreographyEnv.routes];
  if (!raw) {
    throw new ChoreographyConfigError(
      `${ChoreographyEnv.routes} is not set. The Choreography construct sets it to {"<eventType>": ["<queueUrl>", ...]}; set it yourself when running the router outside the construct.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ChoreographyConfigError(`${ChoreographyEnv.routes} is not JSON: ${raw.slice(0, 200)}`);
  }
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every(isStringArray)
  ) {
    throw new ChoreographyConfigError(
      `${ChoreographyEnv.routes} must map each event type to a list of queue URLs (got ${raw.slice(0, 200)}).`,
    );
  }
  return parsed as ChoreographyRoutes;
}
