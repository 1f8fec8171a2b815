/**
 * Subscribes a queue to a topic through the SQS emulator's SNS query API, which (unlike its
 * library call) answers with the subscription ARN and validates attributes as SNS does.
 */
export async function subscribeQueue(
  emulatorAddress: string,
  region: string,
  topicArn: string,
  queueArn: string,
  attributes: Record<string, string>,
): Promise<string> {
  const form = new URLSearchParams({
    Action: 'Subscribe',
    Version: '2010-03-31',
    TopicArn: topicArn,
    Protocol: 'sqs',
    Endpoint: queueArn,
    ReturnSubscriptionArn: 'true',
  });
  Object.entries(attributes).forEach(([key, value], i) => {
    form.set(`Attributes.entry.${i + 1}.key`, key);
    form.set(`Attributes.entry.${i + 1}.value`, value);
  });
  const response = await fetch(emulatorAddress, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/${region}/sns/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: form.toString(),
  });
  const text = await response.text();
  const arn = /<SubscriptionArn>([^<]+)<\/SubscriptionArn>/.exec(text)?.[1];
  if (!response.ok || !arn) {
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? text.slice(0, 300);
    throw new Error(`subscribing ${queueArn} to ${topicArn} failed: ${message}`);
  }
  return arn;
}
