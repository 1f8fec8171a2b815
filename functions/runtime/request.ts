import { z } from 'zod';
import { type ParticipantRequest, PHASES } from './contract.js';
import { InvalidRequestError } from './errors.js';

const requestSchema = z.object({
  sagaId: z.string().min(1),
  // The saga name is part of the barrier key, where `#` separates it from the saga id; state
  // machine names cannot contain `#` either.
  sagaName: z
    .string()
    .min(1)
    .refine((name) => !name.includes('#'), { message: 'sagaName cannot contain "#"' }),
  step: z.string().min(1),
  phase: z.enum(PHASES as [ParticipantRequest['phase'], ...ParticipantRequest['phase'][]]),
  action: z.string().min(1),
  input: z.unknown(),
  results: z.record(z.string(), z.unknown()).optional(),
});

/** Checks the envelope the state machine sends; the saga input is validated separately by the participant's schema. */
export function parseRequest(event: unknown): ParticipantRequest {
  const parsed = requestSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidRequestError(
      `The invocation is not a ParticipantRequest (fields sagaId, sagaName, step, phase, action, input, results): ` +
        `${z.prettifyError(parsed.error)}`,
    );
  }
  return { ...parsed.data, input: parsed.data.input, results: parsed.data.results ?? {} };
}

export function parseInput<I>(schema: z.ZodType<I>, request: ParticipantRequest, participant: string): I {
  const parsed = schema.safeParse(request.input);
  if (!parsed.success) {
    throw new InvalidRequestError(
      `Saga ${request.sagaName} (${request.sagaId}) sent ${participant}.${request.action} an input that does not ` +
        `match the participant's schema: ${z.prettifyError(parsed.error)}`,
    );
  }
  return parsed.data;
}
