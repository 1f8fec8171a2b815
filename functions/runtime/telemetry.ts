import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** The CloudWatch metrics namespace unless `POWERTOOLS_METRICS_NAMESPACE` says otherwise. */
export const DEFAULT_METRICS_NAMESPACE = 'stepsaga';

/** Counters the runtime publishes (EMF), one data point per invocation outcome. */
export const MetricNames = {
  commits: 'BarrierCommits',
  duplicates: 'DuplicateDeliveries',
  emptyUndos: 'EmptyCompensations',
  refused: 'RefusedLateActions',
} as const;

export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];

export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
  count(metric: MetricName): void;
}

export function createTelemetry(participantName: string): Telemetry {
  const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? participantName;
  const logger = new Logger({ serviceName, persistentKeys: { participant: participantName } });
  const metrics = new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    defaultDimensions: { participant: participantName },
  });
  return {
    logger,
    metrics,
    count(metric) {
      metrics.addMetric(metric, MetricUnit.Count, 1);
    },
  };
}
