import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

const ON_FIRST_OCCURRENCE = {
  threshold: 0,
  evaluationPeriods: 1,
  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
  treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
} as const;

/** In alarm while any message waits in `queue` (a dead-letter, failure or parked queue). */
export function alarmOnAnyMessage(
  scope: Construct,
  id: string,
  queue: sqs.IQueue,
  description: string,
): cloudwatch.Alarm {
  return queue
    .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' })
    .createAlarm(scope, id, { alarmDescription: description, ...ON_FIRST_OCCURRENCE });
}

/** In alarm in any minute in which `fn` failed an invocation. */
export function alarmOnAnyError(
  scope: Construct,
  id: string,
  fn: lambda.IFunction,
  description: string,
): cloudwatch.Alarm {
  return fn
    .metricErrors({ period: Duration.minutes(1), statistic: 'Sum' })
    .createAlarm(scope, id, { alarmDescription: description, ...ON_FIRST_OCCURRENCE });
}
