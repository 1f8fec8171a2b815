import type { ResolvedResource } from '../intrinsics.js';

/** Resource types with no local behaviour that matters to an app's logic; skipped silently. */
export const IGNORED_TYPE_PREFIXES = [
  'AWS::IAM::',
  'AWS::Logs::',
  'AWS::CloudWatch::',
  'AWS::CDK::Metadata',
  'AWS::KMS::',
  'AWS::SQS::QueuePolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::Lambda::Permission',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::XRay::',
  'AWS::ApplicationAutoScaling::',
  'AWS::SSM::Parameter',
];

export function isIgnoredType(type: string): boolean {
  return IGNORED_TYPE_PREFIXES.some((prefix) => type.startsWith(prefix));
}

/** What an app loses locally when it uses a type no provisioner maps, for the start-up warning. */
const WHAT_WILL_NOT_WORK: ReadonlyArray<readonly [prefix: string, consequence: string]> = [
  ['AWS::S3::', 'there is no S3 API: calls to the bucket fail and its notifications never fire'],
  ['AWS::ApiGateway::', 'no HTTP API is served: invoke the functions behind it directly'],
  ['AWS::ApiGatewayV2::', 'no HTTP API is served: invoke the functions behind it directly'],
  ['AWS::SNS::', 'SNS resources other than topics and subscriptions do nothing locally'],
  ['AWS::Events::', 'archives, replays, connections and API destinations do nothing locally'],
  ['AWS::Scheduler::', 'the schedule never fires'],
  ['AWS::Pipes::', 'the pipe never moves events'],
  ['AWS::Kinesis::', 'there is no Kinesis API: reads and writes fail'],
  ['AWS::SecretsManager::', 'there is no Secrets Manager API: reading the secret fails'],
  ['AWS::Cognito::', 'there is no Cognito API: sign-in and token checks fail'],
  ['AWS::EC2::', 'networking is not modelled: functions run on the host network'],
];

/** The start-up warning's sentence for one type without a provisioner. */
export function notEmulatedConsequence(type: string): string {
  const known = WHAT_WILL_NOT_WORK.find(([prefix]) => type.startsWith(prefix))?.[1];
  return known ?? 'nothing it does happens locally';
}

/**
 * One warning line per type without a provisioner: the type, what will not work, and which
 * resources use it. Empty when every resource is emulated or ignored.
 */
export function describeNotEmulated(resources: ReadonlyArray<{ type: string; where: string }>): string[] {
  const byType = new Map<string, string[]>();
  for (const { type, where } of resources) byType.set(type, [...(byType.get(type) ?? []), where]);
  return [...byType].map(
    ([type, wheres]) =>
      `${type} is not emulated, ${notEmulatedConsequence(type)}; a Ref or Fn::GetAtt of it fails start-up: ${wheres.join(', ')}`,
  );
}

/** What an ignored resource resolves to, so that a reference to (say) a role ARN does not fail. */
export function placeholder(
  type: string,
  logicalId: string,
  stack: string,
  region: string,
  accountId: string,
): ResolvedResource {
  const service = type.split('::')[1]?.toLowerCase() ?? 'local';
  const name = `${stack}-${logicalId}`;
  const arn = `arn:aws:${service}:${service === 'iam' ? '' : region}:${accountId}:${logicalId}/${name}`;
  return {
    ref: name,
    attributes: new Proxy({} as Record<string, string>, {
      get: (_t, prop) => (typeof prop === 'string' ? (prop === 'Arn' ? arn : `${name}-${prop}`) : undefined),
    }),
  };
}
