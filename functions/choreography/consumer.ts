import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { OutboxEnvelope } from '../relay/envelope.js';
import { sharedDynamoDbClient } from '../runtime/client.js';
import { resolveRetentionDays, resolveTableName } from '../runtime/config.js';
import type { ParticipantRequest } from '../runtime/contract.js';
import { defineParticipant } from '../runtime/define-participant.js';
import type { ParticipantDefinition } from '../runtime/definition.js';
import { ErrorNames } from '../runtime/errors.js';
import { isSqsEvent, parseEnvelope } from './envelope.js';
import { type InputOf, isCompensation, type ReactionOutcome, type Reactions } from './reactions.js';
import { commitRefusal } from './refusal.js';

/** Options of `defineChoreographyParticipant`. */
export interface ChoreographyParticipantOptions {
  /** Per consumed event type, the action or compensation it triggers. */
  readonly reactions: Reactions;
  /** The participant input for an event. @default the event's payload */
  readonly input?: InputOf;
  readonly logger?: Logger;
}

/**
 * A Lambda handler that takes an SQS batch of events (reactions) or a direct `ParticipantRequest`
 * (e.g. the action that starts the choreography, invoked by an API).
 */
export type ChoreographyParticipantHandler = (
  event: unknown,
  context?: Context,
) => Promise<SQSBatchResponse | unknown>;

const defaultLogger = new Logger({ serviceName: 'stepsaga-choreography' });

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * Builds a choreography participant: each event from its queue becomes a `ParticipantRequest` for
 * the participant runtime (saga id and name from the event), so the reaction gets the runtime's
 * guarantees unchanged: its writes, its barrier and the events it emits commit in one transaction;
 * a redelivered event runs it once; a compensation whose action never ran changes nothing; an
 * action arriving after its compensation is refused. Batches report partial failures.
 */
export function defineChoreographyParticipant<I>(
  definition: ParticipantDefinition<I>,
  options: ChoreographyParticipantOptions,
): ChoreographyParticipantHandler {
  const participant = defineParticipant(definition);
  const logger = options.logger ?? defaultLogger;
  const inputOf: InputOf = options.input ?? ((event) => event.payload);
  const retentionDays = resolveRetentionDays(definition.barrierRetentionDays);
  const processor = new BatchProcessor(EventType.SQS);

  const react = async (envelope: OutboxEnvelope, context?: Context): Promise<ReactionOutcome> => {
    const reaction = Object.hasOwn(options.reactions, envelope.eventType)
      ? options.reactions[envelope.eventType]
      : undefined;
    if (!reaction) return 'ignored';
    const compensation = isCompensation(reaction);
    const request: ParticipantRequest = {
      sagaId: envelope.sagaId,
      sagaName: envelope.sagaName,
      step: reaction.step,
      phase: compensation ? 'compensation' : 'action',
      action: compensation ? reaction.compensation : reaction.action,
      input: inputOf(envelope),
      results: {},
    };
    try {
      await participant(request, context);
      return 'applied';
    } catch (error) {
      const name = errorName(error);
      if (name === ErrorNames.actionRefused) return 'late-action-refused';
      if (name === ErrorNames.business && !compensation && reaction.refusedEvent) {
        const business = error as Error & { code?: string };
        await commitRefusal(
          request,
          reaction.refusedEvent,
          {
            error: business.name,
            message: business.message,
            ...(business.code !== undefined ? { code: business.code } : {}),
          },
          {
            dynamo: definition.client ?? sharedDynamoDbClient,
            tableName: resolveTableName(definition.tableName),
            retentionDays,
          },
        );
        return 'refusal-announced';
      }
      throw error;
    }
  };

  return async (event, context) => {
    if (!isSqsEvent(event)) return participant(event, context);
    const recordHandler = async (record: SQSRecord): Promise<ReactionOutcome> => {
      const envelope = parseEnvelope(record);
      const outcome = await react(envelope, context);
      const details = { eventId: envelope.eventId, eventType: envelope.eventType, sagaId: envelope.sagaId };
      if (outcome === 'ignored') logger.warn('No reaction declared for this event type; ignored', details);
      else logger.info(`Event handled: ${outcome}`, details);
      return outcome;
    };
    return processPartialResponse(event as SQSEvent, recordHandler, processor, {
      ...(context ? { context } : {}),
      throwOnFullBatchFailure: false,
    });
  };
}
