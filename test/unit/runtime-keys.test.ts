import { describe, expect, it } from 'vitest';
import { resolveRetentionDays, resolveTableName } from '../../functions/runtime/config.js';
import { barrierKey, itemIdentity, outboxKey } from '../../functions/runtime/keys.js';

describe('keys', () => {
  it('keys a barrier by saga name and saga id, then step and phase', () => {
    expect(barrierKey('PlaceOrder', 'exec-1', 'ReserveInventory', 'compensation')).toEqual({
      pk: 'BARRIER#PlaceOrder#exec-1',
      sk: 'ReserveInventory#compensation',
    });
  });

  it('gives two sagas with one execution name two barriers', () => {
    expect(barrierKey('PlaceOrder', 'order-1', 'Reserve', 'action')).not.toEqual(
      barrierKey('ReturnOrder', 'order-1', 'Reserve', 'action'),
    );
  });

  it('keys an outbox event by its id', () => {
    expect(outboxKey('01J000')).toEqual({ pk: 'OUTBOX#01J000', sk: 'OUTBOX' });
  });

  it('identifies an item independently of key attribute order, but per table', () => {
    expect(itemIdentity('t', { pk: 'a', sk: 'b' })).toBe(itemIdentity('t', { sk: 'b', pk: 'a' }));
    expect(itemIdentity('t', { pk: 'a', sk: 'b' })).not.toBe(itemIdentity('u', { pk: 'a', sk: 'b' }));
  });
});

describe('configuration from the environment', () => {
  it('defaults the retention to 30 days and refuses fewer than 7 or a non-number', () => {
    expect(resolveRetentionDays(undefined, {})).toBe(30);
    expect(resolveRetentionDays(undefined, { STEPSAGA_BARRIER_RETENTION_DAYS: '7' })).toBe(7);
    expect(() => resolveRetentionDays(undefined, { STEPSAGA_BARRIER_RETENTION_DAYS: 'soon' })).toThrow(
      'Invalid barrier retention STEPSAGA_BARRIER_RETENTION_DAYS="soon"',
    );
    expect(() => resolveRetentionDays(6.5)).toThrow('Invalid barrier retention barrierRetentionDays: 6.5');
  });

  it('takes the table from STEPSAGA_TABLE_NAME unless given explicitly', () => {
    expect(resolveTableName(undefined, { STEPSAGA_TABLE_NAME: 'Inventory' })).toBe('Inventory');
    expect(resolveTableName('Mine', { STEPSAGA_TABLE_NAME: 'Inventory' })).toBe('Mine');
    expect(() => resolveTableName(undefined, {})).toThrow(
      'The participant has no table: set the STEPSAGA_TABLE_NAME environment variable',
    );
  });
});
