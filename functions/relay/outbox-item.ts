import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue as LambdaAttributeValue } from 'aws-lambda';
// zod/mini: the chained API cannot be tree-shaken and made every relay bundle ~450 KiB larger.
import * as z from 'zod/mini';
import { OutboxItemInvalidError } from './errors.js';

/** The `itemType` of outbox items; the relay's stream filter matches on it. */
export const OUTBOX_ITEM_TYPE = 'outbox';

/**
 * An outbox event as the participant runtime writes it into the participant's table
 * (see "Items in the participant's table" in docs/architecture.md).
 */
export const outboxItemSchema = z.object({
  pk: z.string(),
  sk: z.string(),
  itemType: z.literal(OUTBOX_ITEM_TYPE),
  eventId: z.string().check(z.minLength(1)),
  eventType: z.string().check(z.minLength(1)),
  /** The event's payload, serialised as JSON by the runtime. */
  payload: z.string(),
  sagaId: z.string().check(z.minLength(1)),
  sagaName: z.string().check(z.minLength(1)),
  step: z.string().check(z.minLength(1)),
  groupId: z.optional(z.string().check(z.minLength(1))),
  createdAt: z.union([z.string(), z.number()]),
  expiresAt: z.optional(z.number()),
});

export type OutboxItem = z.infer<typeof outboxItemSchema>;

/**
 * Reads an outbox item from a stream record's `NewImage`.
 *
 * @throws OutboxItemInvalidError naming the missing or malformed attributes, so that the on-failure
 * destination tells an operator which writer produced a bad item.
 */
export function parseOutboxImage(image: Record<string, LambdaAttributeValue> | undefined): OutboxItem {
  if (!image) {
    throw new OutboxItemInvalidError(
      'The stream record has no NewImage. Set the table stream view type to NEW_IMAGE or NEW_AND_OLD_IMAGES.',
    );
  }
  // The Lambda event types and the SDK's AttributeValue describe the same wire shape.
  const plain = unmarshall(image as Record<string, AttributeValue>);
  const parsed = outboxItemSchema.safeParse(plain);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(item)'}: ${issue.message}`,
    );
    throw new OutboxItemInvalidError(
      `Outbox item ${JSON.stringify(plain.pk ?? null)} does not match the outbox layout: ${problems.join('; ')}`,
    );
  }
  try {
    JSON.parse(parsed.data.payload);
  } catch {
    throw new OutboxItemInvalidError(
      `Outbox item ${JSON.stringify(parsed.data.pk)} has a payload that is not JSON: ${parsed.data.payload.slice(0, 200)}`,
    );
  }
  return parsed.data;
}
