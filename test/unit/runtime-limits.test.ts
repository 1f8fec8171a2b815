import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ErrorNames } from '../../functions/runtime/index.js';
import { itemSize } from '../../functions/runtime/item-size.js';
import { checkTransactionLimits, MAX_TRANSACTION_ITEMS } from '../../functions/runtime/limits.js';

const put = (pk: string, data = ''): TransactWriteItem => ({
  Put: { TableName: 't', Item: { pk: { S: pk }, sk: { S: 's' }, data: { S: data } } },
});
const label = (identity?: string) => ({ description: `Put ${identity ?? '?'}`, identity });

describe('item size', () => {
  it('counts attribute names, UTF-8 string bytes and number digits the way DynamoDB does', () => {
    expect(itemSize({ pk: { S: 'abc' } })).toBe(5);
    expect(itemSize({ n: { S: 'é' } })).toBe(3);
    expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4);
    expect(itemSize({ n: { N: '-0.0012300' } })).toBe(1 + 3);
    expect(itemSize({ m: { M: { a: { BOOL: true } } } })).toBe(1 + 3 + 1 + 1 + 1);
    expect(itemSize({ l: { L: [{ NULL: true }, { S: 'xy' }] } })).toBe(1 + 3 + 2 + 1 + 2);
  });
});

describe('checkTransactionLimits', () => {
  it('accepts 100 distinct items and refuses 101', () => {
    const items = Array.from({ length: MAX_TRANSACTION_ITEMS + 1 }, (_, i) => put(`p${i}`));
    const labels = items.map((_, i) => label(`p${i}`));
    expect(() => checkTransactionLimits(items.slice(0, 100), labels.slice(0, 100), 'Step')).not.toThrow();
    expect(() => checkTransactionLimits(items, labels, 'Step')).toThrow(
      expect.objectContaining({
        name: ErrorNames.limitExceeded,
        message: expect.stringContaining('Step needs 101 items'),
      }),
    );
  });

  it('refuses two operations with the same identity and names both', () => {
    expect(() =>
      checkTransactionLimits([put('a'), put('b'), put('a')], [label('A'), label('B'), label('A')], 'Step'),
    ).toThrow('Step: Put A and Put A touch the same item');
  });

  it('skips the duplicate check for operations whose key is unknown', () => {
    expect(() => checkTransactionLimits([put('a'), put('a')], [label(), label()], 'Step')).not.toThrow();
  });

  it('refuses an item above 400 KB and a transaction above 4 MB', () => {
    const big = 'x'.repeat(400 * 1024);
    expect(() => checkTransactionLimits([put('a', big)], [label('a')], 'Step')).toThrow(
      /above DynamoDB's item limit of 409600 bytes/,
    );
    const items = Array.from({ length: 11 }, (_, i) => put(`p${i}`, 'x'.repeat(390 * 1024)));
    expect(() =>
      checkTransactionLimits(
        items,
        items.map((_, i) => label(`p${i}`)),
        'Step',
      ),
    ).toThrow(/the transaction is about \d+ bytes, above DynamoDB's limit of 4194304 bytes/);
  });
});
