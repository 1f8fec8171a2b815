import { describe, expect, it } from 'vitest';
import { matchesEventPattern, parseEventPattern } from '../../infra/local/event-sources/event-pattern.js';

const order = {
  version: '0',
  id: 'e1',
  'detail-type': 'OrderPlaced',
  source: 'shop.orders',
  account: '000000000000',
  time: '2026-12-07T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:dynamodb:us-east-1:000000000000:table/orders'],
  detail: {
    orderId: 'order-42',
    amount: 250,
    currency: 'EUR',
    customer: { tier: 'gold', country: 'DE' },
    items: [
      { sku: 'sku-widget', quantity: 2 },
      { sku: 'sku-gadget', quantity: 1 },
    ],
    tags: ['gift', 'express'],
    coupon: null,
    note: 'Leave at the door',
  },
};

const matches = (pattern: unknown) => matchesEventPattern(parseEventPattern(pattern, 'pattern'), order);

describe('EventBridge event patterns', () => {
  it('match exact values, any of several, and need every field to match', () => {
    expect(matches({ source: ['shop.orders'] })).toBe(true);
    expect(matches({ source: ['shop.payments', 'shop.orders'] })).toBe(true);
    expect(matches({ source: ['shop.orders'], 'detail-type': ['OrderCancelled'] })).toBe(false);
    expect(matches({ source: ['shop'] })).toBe(false);
    expect(matches({ detail: { amount: [250] } })).toBe(true);
    expect(matches({ detail: { amount: ['250'] } })).toBe(false);
  });

  it('match nested fields and fail on a missing one', () => {
    expect(matches({ detail: { customer: { tier: ['gold'] } } })).toBe(true);
    expect(matches({ detail: { customer: { tier: ['silver'] } } })).toBe(false);
    expect(matches({ detail: { shipping: { method: ['air'] } } })).toBe(false);
  });

  it('match an array in the event when any element matches', () => {
    expect(matches({ detail: { tags: ['express'] } })).toBe(true);
    expect(matches({ detail: { tags: ['fragile'] } })).toBe(false);
    expect(matches({ resources: [{ prefix: 'arn:aws:dynamodb:' }] })).toBe(true);
    expect(matches({ detail: { items: { sku: ['sku-gadget'] } } })).toBe(true);
    expect(matches({ detail: { items: { sku: ['sku-gizmo'] } } })).toBe(false);
  });

  it('prefix, suffix, equals-ignore-case and wildcard compare strings', () => {
    expect(matches({ detail: { orderId: [{ prefix: 'order-' }] } })).toBe(true);
    expect(matches({ detail: { orderId: [{ prefix: 'ORDER-' }] } })).toBe(false);
    expect(matches({ detail: { orderId: [{ suffix: '-42' }] } })).toBe(true);
    expect(matches({ detail: { currency: [{ 'equals-ignore-case': 'eur' }] } })).toBe(true);
    expect(matches({ detail: { note: [{ wildcard: 'Leave*door' }] } })).toBe(true);
    expect(matches({ detail: { note: [{ wildcard: 'Leave*window' }] } })).toBe(false);
    expect(matches({ source: [{ wildcard: 'shop.*' }] })).toBe(true);
    expect(matches({ source: [{ wildcard: 'shop?orders' }] })).toBe(false);
    expect(matches({ detail: { amount: [{ prefix: '25' }] } })).toBe(false);
  });

  it('anything-but excludes values, prefixes and suffixes', () => {
    expect(matches({ detail: { currency: [{ 'anything-but': ['USD', 'GBP'] }] } })).toBe(true);
    expect(matches({ detail: { currency: [{ 'anything-but': 'EUR' }] } })).toBe(false);
    expect(matches({ detail: { amount: [{ 'anything-but': [100, 250] }] } })).toBe(false);
    expect(matches({ detail: { orderId: [{ 'anything-but': { prefix: 'test-' } }] } })).toBe(true);
    expect(matches({ detail: { orderId: [{ 'anything-but': { prefix: 'order-' } }] } })).toBe(false);
    expect(matches({ detail: { orderId: [{ 'anything-but': { suffix: '-42' } }] } })).toBe(false);
    expect(
      matches({ detail: { currency: [{ 'anything-but': { 'equals-ignore-case': ['usd', 'eur'] } }] } }),
    ).toBe(false);
    expect(matches({ detail: { missing: [{ 'anything-but': 'x' }] } })).toBe(false);
  });

  it('numeric ranges compare JSON numbers only', () => {
    expect(matches({ detail: { amount: [{ numeric: ['>', 100] }] } })).toBe(true);
    expect(matches({ detail: { amount: [{ numeric: ['>', 100, '<=', 250] }] } })).toBe(true);
    expect(matches({ detail: { amount: [{ numeric: ['>', 100, '<', 250] }] } })).toBe(false);
    expect(matches({ detail: { amount: [{ numeric: ['=', 250] }] } })).toBe(true);
    expect(matches({ detail: { items: { quantity: [{ numeric: ['>=', 2] }] } } })).toBe(true);
    expect(matches({ detail: { orderId: [{ numeric: ['>', 0] }] } })).toBe(false);
    expect(
      matchesEventPattern(parseEventPattern({ detail: { n: [{ numeric: ['>', 1] }] } }, 'p'), {
        detail: { n: '5' },
      }),
    ).toBe(false);
  });

  it('exists tests presence, null counts as present and matches null', () => {
    expect(matches({ detail: { orderId: [{ exists: true }] } })).toBe(true);
    expect(matches({ detail: { refund: [{ exists: false }] } })).toBe(true);
    expect(matches({ detail: { orderId: [{ exists: false }] } })).toBe(false);
    expect(matches({ detail: { coupon: [null] } })).toBe(true);
    expect(matches({ detail: { customer: { vip: [{ exists: true }] } } })).toBe(false);
  });

  it('$or matches when any alternative does', () => {
    expect(
      matches({
        source: ['shop.orders'],
        $or: [
          { detail: { amount: [{ numeric: ['>', 1000] }] } },
          { detail: { customer: { tier: ['gold'] } } },
        ],
      }),
    ).toBe(true);
    expect(
      matches({
        $or: [
          { detail: { amount: [{ numeric: ['>', 1000] }] } },
          { detail: { customer: { tier: ['silver'] } } },
        ],
      }),
    ).toBe(false);
  });

  it('refuses what EventBridge refuses, naming the field', () => {
    expect(() => parseEventPattern({ source: 'shop.orders' }, 'rule R')).toThrow(
      'rule R: the value of "source" must be an array or an object, got "shop.orders"; wrap it in [ ]',
    );
    expect(() => parseEventPattern({ detail: { n: [{ between: [1, 2] }] } }, 'rule R')).toThrow(
      'rule R: "detail.n" uses unknown operator "between"',
    );
    expect(() => parseEventPattern('{not json', 'rule R')).toThrow('rule R is not JSON');
    expect(() => parseEventPattern('[1]', 'rule R')).toThrow('rule R must be a JSON object, got [1]');
  });
});
