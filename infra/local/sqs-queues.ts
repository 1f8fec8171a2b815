import type { FauxqsServer } from 'fauxqs';

/** Queue attributes as CloudFormation spells them on AWS::SQS::Queue; values already resolved. */
const PASSED_ATTRIBUTES = [
  'VisibilityTimeout',
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'FifoQueue',
  'ContentBasedDeduplication',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
] as const;

export function queueAttributes(props: Record<string, unknown>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const key of PASSED_ATTRIBUTES) {
    const value = props[key];
    if (value !== undefined && value !== null) attributes[key] = String(value);
  }
  const redrive = props.RedrivePolicy;
  if (redrive !== undefined) {
    attributes.RedrivePolicy = typeof redrive === 'string' ? redrive : JSON.stringify(redrive);
  }
  return attributes;
}

export function createQueue(
  server: FauxqsServer,
  name: string,
  region: string,
  props: Record<string, unknown>,
): { url: string; arn: string } {
  // A persisted emulator already has the queue with its messages; creating it again would replace
  // both (fauxqs's CreateQueue in library mode starts the queue afresh).
  const existing = server.inspectQueue(name);
  if (existing) return { url: existing.url, arn: existing.arn };
  const created = server.createQueue(name, { region, attributes: queueAttributes(props) });
  return { url: created.queueUrl, arn: created.queueArn };
}
