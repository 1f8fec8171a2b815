import { describe, expect, it } from 'vitest';
import { dynamoDbArnRewriter } from '../../infra/local/gateway/gateway.js';

describe('DynamoDB ARNs through the endpoint', () => {
  const arns = dynamoDbArnRewriter('eu-west-1');

  it('gives table and index ARNs the region and leaves stream ARNs as the cloud reports them', () => {
    const answer = {
      TableArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/Orders',
      IndexArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/Orders/index/byType',
      LatestStreamArn: 'arn:aws:dynamodb:ddblocal:000000000000:table/Orders/stream/2026-12-07T00:00:00.000',
    };
    expect(JSON.parse(arns.toClient(Buffer.from(JSON.stringify(answer))).toString())).toEqual({
      TableArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/Orders',
      IndexArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/Orders/index/byType',
      LatestStreamArn: answer.LatestStreamArn,
    });
  });

  it('translates a table ARN a client sends back, and leaves other bodies untouched', () => {
    const request = Buffer.from('{"TableName":"arn:aws:dynamodb:eu-west-1:000000000000:table/Orders"}');
    expect(arns.toEngine(request).toString()).toBe(
      '{"TableName":"arn:aws:dynamodb:ddblocal:000000000000:table/Orders"}',
    );
    const plain = Buffer.from('{"TableName":"Orders"}');
    expect(arns.toEngine(plain)).toBe(plain);
  });
});
