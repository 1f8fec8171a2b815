import { ChoreographyConfigError } from './errors.js';
import { ChoreographyEnv } from './routes.js';

/** What an event says about its step. */
export type StepMark = 'done' | 'failed' | 'compensated';
/** How a choreographed saga ended, when an event says so. */
export type SagaOutcome = 'succeeded' | 'compensated' | 'failed';

/** The meaning of one event type for the saga tracker. */
export interface TrackedEvent {
  /** The step the event reports on, e.g. `ReserveInventory` for `StockReserved`. */
  readonly step: string;
  readonly marks: StepMark;
  /** Set on the event that ends the saga, e.g. `succeeded` for `OrderShipped`. @default - none */
  readonly outcome?: SagaOutcome;
}

/** The meaning of each event type for the saga tracker, by event type. */
export type TrackedEvents = Readonly<Record<string, TrackedEvent>>;

const MARKS: readonly string[] = ['done', 'failed', 'compensated'];
const OUTCOMES: readonly string[] = ['succeeded', 'compensated', 'failed'];

export function trackedEventsFromEnv(env: NodeJS.ProcessEnv = process.env): TrackedEvents {
  const raw = env[ChoreographyEnv.trackedEvents];
  if (!raw) {
    throw new ChoreographyConfigError(
      `${ChoreographyEnv.trackedEvents} is not set. The Choreography construct sets it to {"<eventType>": {"step": "...", "marks": "done"}}; set it yourself when running the tracker outside the construct.`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ChoreographyConfigError(`${ChoreographyEnv.trackedEvents} is not JSON: ${raw.slice(0, 200)}`);
  }
  const entries =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.entries(parsed) : null;
  const valid =
    entries?.every(([, value]) => {
      const v = value as Partial<TrackedEvent> | null;
      return (
        typeof v?.step === 'string' &&
        v.step !== '' &&
        MARKS.includes(String(v.marks)) &&
        (v.outcome === undefined || OUTCOMES.includes(v.outcome))
      );
    }) ?? false;
  if (!valid) {
    throw new ChoreographyConfigError(
      `${ChoreographyEnv.trackedEvents} must map each event type to {"step": string, "marks": "done"|"failed"|"compensated", "outcome"?: "succeeded"|"compensated"|"failed"} (got ${raw.slice(0, 200)}).`,
    );
  }
  return parsed as TrackedEvents;
}
