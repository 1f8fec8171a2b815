import type { Context } from 'aws-lambda';
import { sharedDynamoDbClient } from './client.js';
import {
  resolveErrorStackTraces,
  resolveLogPayloads,
  resolveRetentionDays,
  resolveTableName,
} from './config.js';
import type { StepHandler, UndoHandler } from './context.js';
import type { Phase } from './contract.js';
import type { ParticipantDefinition } from './definition.js';
import { ActionRefusedError, BusinessError, InvalidRequestError, TransientError } from './errors.js';
import { checkSagaInput } from './limits.js';
import { shapeOutgoingError } from './outgoing-error.js';
import { PhaseRunner } from './phase-runner.js';
import { parseInput, parseRequest } from './request.js';
import { createTelemetry } from './telemetry.js';

/** A Lambda handler built by {@link defineParticipant}; it answers with the phase's JSON result. */
export type ParticipantHandler = (event: unknown, context?: Context) => Promise<unknown>;

type AnyHandler<I> = StepHandler<I> | UndoHandler<I>;

/**
 * Builds a participant's Lambda handler. Each phase handler runs at most once per (saga, step,
 * phase): its staged writes, its barrier and its outbox events commit in one DynamoDB transaction;
 * a redelivery returns the first result; a compensation without its action is recorded and changes
 * nothing; an action arriving after its compensation is refused.
 */
export function defineParticipant<I>(definition: ParticipantDefinition<I>): ParticipantHandler {
  const handlers = handlersByPhase(definition);
  // Fail at cold start, not at the first saga, when the retention setting is wrong.
  const retentionDays = resolveRetentionDays(definition.barrierRetentionDays);
  const telemetry = createTelemetry(definition.name);
  const { logger, metrics } = telemetry;

  return async (event, context) => {
    if (context) logger.addContext(context);
    const logPayloads = resolveLogPayloads(definition.logPayloads);
    try {
      const request = parseRequest(event);
      logger.appendKeys({
        sagaId: request.sagaId,
        sagaName: request.sagaName,
        step: request.step,
        phase: request.phase,
        action: request.action,
      });
      const byName = handlers[request.phase];
      // Own properties only: an action named "toString" must not reach Object.prototype.
      const handler = Object.hasOwn(byName, request.action) ? byName[request.action] : undefined;
      if (!handler) {
        const declared = Object.keys(byName);
        throw new InvalidRequestError(
          `Participant ${definition.name} has no ${request.phase} handler named "${request.action}" ` +
            `(declared: ${declared.length > 0 ? declared.join(', ') : 'none'}). Check the saga step's ${request.phase} name.`,
        );
      }
      checkSagaInput(request);
      const undo = request.phase === 'compensation' || request.phase === 'cancel';
      // A forward phase refuses bad input before anything else. An undo parses it only when its
      // forward phase committed: otherwise it is an empty undo, which needs no input, and the saga
      // can finish compensating an input its first action already refused.
      const input = undo
        ? lazyInput(() => parseInput(definition.input, request, definition.name))
        : eagerInput(parseInput(definition.input, request, definition.name));
      if (logPayloads) logger.debug('Invocation', { input: request.input, results: request.results });
      const runner = new PhaseRunner<I>(
        {
          participant: definition.name,
          client: definition.client ?? sharedDynamoDbClient,
          table: resolveTableName(definition.tableName),
          retentionDays,
          keyAttributes: definition.keyAttributes ?? {},
          logPayloads,
          telemetry,
        },
        {
          request,
          input,
          recordedInput: (raw) => parseInput(definition.input, { ...request, input: raw }, definition.name),
        },
      );
      return undo
        ? await runner.undo(handler as UndoHandler<I>)
        : await runner.forward(handler as StepHandler<I>);
    } catch (error) {
      if (error instanceof BusinessError || error instanceof ActionRefusedError) {
        // A refusal is expected, and its message often quotes business data (an amount, a
        // customer): logged only with the payloads.
        logger.info('Phase refused', {
          error: logPayloads ? error : { name: error.name, ...('code' in error ? { code: error.code } : {}) },
        });
      } else if (error instanceof TransientError) {
        logger.warn('Phase failed transiently; the saga retries it', { error });
      } else {
        logger.error('Phase failed', { error });
      }
      throw shapeOutgoingError(error, resolveErrorStackTraces(definition.errorStackTraces));
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

const eagerInput =
  <I>(input: I): (() => I) =>
  () =>
    input;

function lazyInput<I>(parse: () => I): () => I {
  let parsed: { value: I } | undefined;
  return () => {
    parsed ??= { value: parse() };
    return parsed.value;
  };
}

function handlersByPhase<I>(
  definition: ParticipantDefinition<I>,
): Record<Phase, Readonly<Record<string, AnyHandler<I>>>> {
  if (!definition.name) {
    throw new InvalidRequestError('defineParticipant() needs a "name", e.g. "Inventory".');
  }
  const phases: Record<Phase, Readonly<Record<string, AnyHandler<I>>>> = {
    action: definition.actions ?? {},
    compensation: definition.compensations ?? {},
    try: definition.tcc?.try ?? {},
    confirm: definition.tcc?.confirm ?? {},
    cancel: definition.tcc?.cancel ?? {},
  };
  if (Object.values(phases).every((byName) => Object.keys(byName).length === 0)) {
    throw new InvalidRequestError(
      `Participant ${definition.name} declares no handlers: give it "actions" (and "compensations") or "tcc".`,
    );
  }
  return phases;
}
