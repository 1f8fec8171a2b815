import { describe, expect, it } from 'vitest';
import {
  type Json,
  jsonToStringPath,
  restoreJsonText,
  standInJsonToString,
} from '../../infra/local/stepfunctions/json-text-stand-in.js';

describe('States.JsonToString stand-ins on the local cloud', () => {
  it('rewrites whole-field JsonToString at any depth, in field order, and nothing else', () => {
    const parameters: Json = {
      QueueUrl: 'https://sqs/queue',
      'MessageBody.$': 'States.JsonToString($.order)',
      Nested: { 'cause.$': 'States.JsonToString( $$.Execution.Input )', 'id.$': '$.id' },
      List: [{ 'item.$': 'States.JsonToString($.items[0])' }],
      'greeting.$': "States.Format('hi {}', $.name)",
      'wrapped.$': 'States.JsonToString(States.StringToJson($.text))',
      'plain.$': '$.order',
    };
    expect(standInJsonToString(parameters)).toBe(true);
    expect(parameters).toEqual({
      QueueUrl: 'https://sqs/queue',
      'MessageBody#JsonToString.$': '$.order',
      Nested: { 'cause#JsonToString.$': '$$.Execution.Input', 'id.$': '$.id' },
      List: [{ 'item#JsonToString.$': '$.items[0]' }],
      'greeting.$': "States.Format('hi {}', $.name)",
      'wrapped.$': 'States.JsonToString(States.StringToJson($.text))',
      'plain.$': '$.order',
    });
    expect(Object.keys(parameters)[1]).toBe('MessageBody#JsonToString.$');
  });

  it('leaves Parameters without JsonToString untouched', () => {
    const parameters: Json = { 'FunctionName.$': '$.fn', Payload: { 'input.$': '$' }, Literal: 'States.x' };
    const before = structuredClone(parameters);
    expect(standInJsonToString(parameters)).toBe(false);
    expect(parameters).toEqual(before);
  });

  it('restores each stand-in as the JSON text Step Functions writes, keeping quotes and backslashes', () => {
    const order = { note: 'say "hi" from C:\\temp', cause: '{"errorMessage":"a \\"b\\""}', n: 1 };
    const restored = restoreJsonText({
      QueueUrl: 'q',
      'MessageBody#JsonToString': order,
      Nested: [{ 'value#JsonToString': null }],
    }) as { QueueUrl: string; MessageBody: string; Nested: [{ value: string }] };
    expect(restored).toEqual({
      QueueUrl: 'q',
      MessageBody: JSON.stringify(order),
      Nested: [{ value: 'null' }],
    });
    expect(JSON.parse(restored.MessageBody)).toEqual(order);
    expect(JSON.parse(JSON.parse(restored.MessageBody).cause)).toEqual({ errorMessage: 'a "b"' });
  });

  it('recognizes only a single path argument', () => {
    expect(jsonToStringPath('States.JsonToString($.a.b)')).toBe('$.a.b');
    expect(jsonToStringPath('States.JsonToString($)')).toBe('$');
    expect(jsonToStringPath('States.JsonToString($.a, $.b)')).toBeUndefined();
    expect(jsonToStringPath("States.JsonToString('x')")).toBeUndefined();
    expect(jsonToStringPath('States.Format($.a)')).toBeUndefined();
  });
});
