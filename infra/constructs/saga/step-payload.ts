import { Token } from 'aws-cdk-lib';
import type { AslValue } from '../orchestration/asl-value.js';
import type { SagaInputField, SagaInputSchema, SagaStep } from './saga-props.js';
import { member } from './saga-state-names.js';
import { SagaValidationError } from './saga-validation.js';

/** What a step's lean payload turns into in its Tasks' `Parameters` (forward and compensation alike). */
export interface StepPayloadParameters {
  /** Replaces the whole execution input; undefined sends it all. */
  readonly input?: Readonly<Record<string, AslValue>>;
  /** Replaces every earlier result; undefined sends them all. */
  readonly results?: Readonly<Record<string, AslValue>>;
  /** Fields of the forward result the saga keeps; undefined keeps it whole. */
  readonly keep?: readonly string[];
}

const RESULTS_PREFIX = '$.results.';
const INPUT_FIELD = /^\$\.([A-Za-z_][A-Za-z0-9_]*)$/;

function show(value: unknown): string {
  return JSON.stringify(value);
}

function required(schema: SagaInputSchema | undefined, field: string): SagaInputField | undefined {
  const spec = schema?.[field];
  if (spec === undefined) return undefined;
  return typeof spec === 'string' ? { type: spec } : spec;
}

/**
 * Resolves and checks each step's `select` and `keepResult`. Every selected path must exist whenever
 * the step runs: Step Functions fails the execution with `States.Runtime` on a missing path, and no
 * Catch handles that, so nothing would be compensated. Hence input fields must be required fields of
 * the `inputSchema` (whose Choice state runs first) and results must be of earlier steps.
 */
export function resolveStepPayloads(
  sagaName: string,
  steps: readonly SagaStep[],
  inputSchema: SagaInputSchema | undefined,
): (StepPayloadParameters | undefined)[] {
  const names = steps.map((s) => s.name);
  return steps.map((step, index) => {
    const where = `Saga "${sagaName}", step "${step.name}"`;
    const fail = (message: string): never => {
      throw new SagaValidationError(`${where}: ${message}`);
    };
    let keep: readonly string[] | undefined;
    if (step.keepResult !== undefined) {
      if (step.keepResult.length === 0) {
        fail(
          '`keepResult` is empty, so the step would keep nothing of its result. List the fields later steps need, or leave `keepResult` out to keep the whole result.',
        );
      }
      for (const field of step.keepResult) {
        if (Token.isUnresolved(field) || typeof field !== 'string' || field.length === 0) {
          fail(
            `\`keepResult\` holds ${show(field)}; list top-level field names of the result as literal strings, e.g. ["reservationId"].`,
          );
        }
        if (step.keepResult.indexOf(field) !== step.keepResult.lastIndexOf(field)) {
          fail(`\`keepResult\` lists ${show(field)} twice. List each field once.`);
        }
      }
      keep = [...step.keepResult];
    }
    if (step.select === undefined) return keep ? { keep } : undefined;
    if (index === 0) {
      fail(
        `\`select\` ${show(step.select)} on the first step: it receives the whole input so that it can refuse an input over \`maxInputBytes\` before anything commits, and there are no earlier results to leave out. Remove \`select\` from "${step.name}"; select on later steps.`,
      );
    }
    const input: Record<string, AslValue> = {};
    const results: Record<string, AslValue> = {};
    for (const path of step.select) {
      const bad = (why: string, fix: string): never => fail(`\`select\` path ${show(path)} ${why}. ${fix}`);
      if (typeof path !== 'string' || Token.isUnresolved(path)) {
        bad('is not a literal string', 'Use a JSONPath such as "$.orderId" or "$.results.ReserveInventory".');
      }
      if (path.startsWith(RESULTS_PREFIX)) {
        const stepName = path.slice(RESULTS_PREFIX.length);
        const at = names.indexOf(stepName);
        if (at < 0) {
          const deeper = names.find((n) => stepName.startsWith(`${n}.`));
          if (deeper !== undefined) {
            bad(
              `selects a part of the result of "${deeper}"`,
              `Select the whole result, "${RESULTS_PREFIX}${deeper}", and give "${deeper}" a \`keepResult\` listing only the fields to keep.`,
            );
          }
          bad(
            `names no step of the saga (steps: ${names.join(', ')})`,
            'Fix the step name; results are keyed by step name.',
          );
        }
        if (at >= index) {
          bad(
            at === index
              ? 'selects the result of this very step, which does not exist before it runs'
              : `selects the result of "${stepName}", which runs after "${step.name}" (step ${at + 1} after step ${index + 1}), so its result does not exist yet`,
            `Select results of earlier steps only (${names.slice(0, index).join(', ')}), or move the step.`,
          );
        }
        results[`${stepName}.$`] = `$.results${member(stepName)}`;
        continue;
      }
      const field = INPUT_FIELD.exec(path)?.[1];
      if (field === undefined) {
        bad(
          'is neither a top-level input field ("$.<field>") nor an earlier result ("$.results.<Step>")',
          'Select whole top-level input fields and whole results; keep results small with `keepResult`.',
        );
      }
      if (field === 'results' || field === 'errors' || field === 'decision') {
        bad(
          `is the state's reserved key "${field}"`,
          field === 'results'
            ? 'Select results one step at a time, e.g. "$.results.ReserveInventory".'
            : 'Select input fields or results.',
        );
      }
      const spec = required(inputSchema, field!);
      if (spec === undefined || spec.optional) {
        bad(
          spec === undefined
            ? `selects the input field "${field}", which the saga's \`inputSchema\` does not declare`
            : `selects the optional input field "${field}"`,
          `A selected field missing at run time fails the execution with States.Runtime, which no Catch handles (nothing would be compensated). Declare "${field}" as a required field in \`inputSchema\`, or do not select it.`,
        );
      }
      input[`${field}.$`] = `$$.Execution.Input.${field}`;
    }
    return { input, results, ...(keep ? { keep } : {}) };
  });
}
