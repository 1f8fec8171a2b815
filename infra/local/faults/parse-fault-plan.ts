import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { FaultPlan } from './fault-plan.js';

const frequency = {
  times: z.union([z.number().int().positive(), z.literal('always')]).optional(),
  probability: z.number().min(0).max(1).optional(),
  skip: z.number().int().nonnegative().optional(),
};
const match = {
  sagaId: z.string().min(1).optional(),
  step: z.string().min(1).optional(),
  phase: z.string().min(1).optional(),
  action: z.string().min(1).optional(),
};
const lambdaTarget = { ...frequency, ...match, function: z.string().min(1) };

const rule = z.discriminatedUnion('kind', [
  z.strictObject({
    ...lambdaTarget,
    kind: z.literal('error'),
    errorType: z.string().min(1),
    errorMessage: z.string().optional(),
  }),
  z.strictObject({
    ...lambdaTarget,
    kind: z.literal('timeout'),
    committed: z.boolean().optional(),
    waitMs: z.number().int().nonnegative().optional(),
  }),
  z.strictObject({
    ...lambdaTarget,
    kind: z.literal('crash-after-commit'),
    errorType: z.string().min(1).optional(),
    partialBatch: z.boolean().optional(),
  }),
  z.strictObject({
    ...lambdaTarget,
    kind: z.literal('duplicate'),
    concurrent: z.boolean().optional(),
    answer: z.enum(['first', 'second']).optional(),
  }),
  z.strictObject({ ...lambdaTarget, kind: z.literal('delay'), ms: z.number().int().nonnegative() }),
  z.strictObject({
    ...frequency,
    kind: z.enum(['redeliver', 'visibility-expiry']),
    queue: z.string().min(1),
  }),
  z.strictObject({
    ...frequency,
    ...match,
    kind: z.enum(['transaction-conflict', 'throttling']),
    operation: z.string().min(1).optional(),
    table: z.string().min(1).optional(),
  }),
]);

const plan = z.strictObject({ seed: z.number().int().optional(), rules: z.array(rule).optional() });

export const FAULTS_ENV = 'STEPSAGA_FAULTS';

/**
 * Reads a fault plan: JSON text, or `@path` of a JSON file. Throws with every problem listed
 * (which rule, which field, what was expected) so that a typo does not silently inject nothing.
 */
export function parseFaultPlan(text: string, origin = FAULTS_ENV): FaultPlan {
  const trimmed = text.trim();
  let json: string = trimmed;
  if (trimmed.startsWith('@')) {
    const file = trimmed.slice(1);
    try {
      json = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`${origin}: cannot read the fault plan file ${file}: ${(error as Error).message}`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(
      `${origin} is not valid JSON (${(error as Error).message}); expected {"seed": 1, "rules": [{"kind": "error", "function": "Payment", "errorType": "SagaTransientError"}]}`,
    );
  }
  const parsed = plan.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`${origin} is not a valid fault plan: ${problems.join('; ')}`);
  }
  return parsed.data as FaultPlan;
}

/** The plan in `STEPSAGA_FAULTS`, or undefined when the variable is unset or empty. */
export function faultPlanFromEnv(env: NodeJS.ProcessEnv = process.env): FaultPlan | undefined {
  const text = env[FAULTS_ENV];
  return text && text.trim() !== '' ? parseFaultPlan(text) : undefined;
}
