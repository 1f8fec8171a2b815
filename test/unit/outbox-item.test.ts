import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { OutboxItemInvalidError } from '../../functions/relay/errors.js';
import { parseOutboxImage } from '../../functions/relay/outbox-item.js';

const image = (item: Record<string, unknown>) =>
  marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;

const valid = {
  pk: 'SKU#1',
  sk: 'OUTBOX#e-1',
  itemType: 'outbox',
  eventId: 'e-1',
  eventType: 'InventoryReserved',
  payload: '{"sku":"1"}',
  sagaId: 'order-1',
  sagaName: 'PlaceOrder',
  step: 'ReserveInventory',
  createdAt: '2026-12-07T00:00:00.000Z',
};

describe('parseOutboxImage', () => {
  it('reads an outbox item the runtime wrote, optional fields included', () => {
    expect(parseOutboxImage(image(valid))).toEqual(valid);
    const withOptional = { ...valid, groupId: 'g-1', expiresAt: 1_800_000_000, createdAt: 1_765_000_000 };
    expect(parseOutboxImage(image(withOptional))).toEqual(withOptional);
  });

  it('names every attribute that breaks the layout', () => {
    const broken = { ...valid, eventId: '', step: undefined, groupId: '' };
    expect(() => parseOutboxImage(image(broken))).toThrowError(OutboxItemInvalidError);
    try {
      parseOutboxImage(image(broken));
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/^Outbox item "SKU#1" does not match the outbox layout: /);
      expect(message).toContain('eventId:');
      expect(message).toContain('step:');
      expect(message).toContain('groupId:');
      expect(message).not.toContain('sagaId:');
    }
  });

  it('refuses a record without a new image and a payload that is not JSON', () => {
    expect(() => parseOutboxImage(undefined)).toThrowError(/has no NewImage/);
    expect(() => parseOutboxImage(image({ ...valid, payload: '{not json' }))).toThrowError(
      /has a payload that is not JSON: \{not json/,
    );
  });
});
