import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { definitionText } from '../../infra/local/stepfunctions/definition-source.js';
import {
  dynamoDbTaskFailure,
  malformedAttributeValuePath,
} from '../../infra/local/stepfunctions/dynamodb-passthrough.js';

const identity = {
  resolve: (value: unknown) => value,
  resolveString: (value: unknown) => String(value),
};

describe('reading a state machine definition from the template', () => {
  it('reads DefinitionS3Location (DefinitionBody.fromFile) from the assembly and applies substitutions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'definition-source-'));
    const file = join(dir, 'asset.abc.json');
    writeFileSync(file, '{"StartAt":"A","States":{"A":{"Type":"Pass","Result":"${Greeting}","End":true}}}');
    const text = definitionText(
      'Machine',
      {
        DefinitionS3Location: { Bucket: { 'Fn::Sub': 'cdk-assets-${AWS::AccountId}' }, Key: 'abc.json' },
        DefinitionSubstitutions: { Greeting: 'hello $& world' },
      },
      { ...identity, assetsByObjectKey: new Map([['abc.json', file]]) },
    );
    expect(JSON.parse(text).States.A.Result).toBe('hello $& world');
  });

  it('takes a plain DefinitionString and an object Definition as they are', () => {
    const context = { ...identity, assetsByObjectKey: new Map<string, string>() };
    expect(definitionText('M', { DefinitionString: '{"StartAt":"A"}' }, context)).toBe('{"StartAt":"A"}');
    expect(definitionText('M', { Definition: { StartAt: 'B' } }, context)).toBe('{"StartAt":"B"}');
  });

  it('says which object is missing when the S3 location is not an asset of the app', () => {
    expect(() =>
      definitionText(
        'M',
        { DefinitionS3Location: { Bucket: 'someone-elses', Key: 'elsewhere.json' } },
        { ...identity, assetsByObjectKey: new Map() },
      ),
    ).toThrow(/DefinitionS3Location object elsewhere\.json is not a file asset of the cloud assembly/);
    expect(() => definitionText('M', {}, { ...identity, assetsByObjectKey: new Map() })).toThrow(
      'has no DefinitionString, Definition or DefinitionS3Location',
    );
  });
});

describe('the dynamodb:* task integration', () => {
  it('finds values that cannot be an AttributeValue, nested in L and M too', () => {
    expect(malformedAttributeValuePath({ Item: { pk: { S: 'a' }, list: { L: ['x'] } } })).toBe(
      'Item.list.L[0]',
    );
    expect(malformedAttributeValuePath({ Key: { pk: 'a' } })).toBe('Key.pk');
    expect(
      malformedAttributeValuePath({
        ExpressionAttributeValues: { ':v': { M: { inner: { L: [{ N: '1' }, 2] } } } },
      }),
    ).toBe('ExpressionAttributeValues.:v.M.inner.L[1]');
    expect(
      malformedAttributeValuePath({ Item: { flag: { BOOL: 'false' }, l: { L: [{ S: 'x' }] } } }),
    ).toBeUndefined();
  });

  it('names failures the way Step Functions does: modeled exceptions by class, others AmazonDynamoDBException', () => {
    const conditional = dynamoDbTaskFailure(
      400,
      'ConditionalCheckFailedException',
      'The conditional request failed',
      'r-1',
    );
    expect(conditional.name).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(conditional.message).toBe(
      'The conditional request failed (Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ConditionalCheckFailedException; Request ID: r-1; Proxy: null)',
    );
    expect(dynamoDbTaskFailure(400, 'ValidationException', 'bad', 'r').name).toBe(
      'DynamoDB.AmazonDynamoDBException',
    );
    expect(dynamoDbTaskFailure(400, 'ResourceNotFoundException', 'x', 'r').name).toBe(
      'DynamoDB.ResourceNotFoundException',
    );
  });
});
