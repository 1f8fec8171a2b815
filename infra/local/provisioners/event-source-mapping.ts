import type { EventSourceMappingConfig } from '../event-sources/event-source-mapping.js';
import { parseFilterCriteria } from '../event-sources/filter-criteria.js';
import type { Provisioner } from './context.js';

/**
 * `AWS::Lambda::EventSourceMapping` → a poller of a local queue or table stream that invokes the
 * app's function with Lambda's batch semantics. A disabled mapping is left out.
 */
export const eventSourceMappingProvisioner: Provisioner = {
  types: ['AWS::Lambda::EventSourceMapping'],
  provision(entries, ctx) {
    for (const entry of entries) {
      const where = ctx.where(entry);
      try {
        const props = ctx
          .resolver(entry)
          .resolve(entry.resource.Properties ?? {}, `${entry.logicalId}.Properties`) as Record<
          string,
          unknown
        >;
        if (props.Enabled === false) continue;
        const fn = ctx.engines.lambda.lookup(String(props.FunctionName));
        if (!fn) {
          ctx.problem(
            ctx.unrunnable.get(String(props.FunctionName)) ??
              `event source mapping ${where}: function ${String(props.FunctionName)} is not a function of the app`,
          );
          continue;
        }
        const uuid = crypto.randomUUID();
        const eventSourceArn = String(props.EventSourceArn);
        const isQueue = eventSourceArn.startsWith('arn:aws:sqs:');
        const destination = (props.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)
          ?.OnFailure?.Destination;
        const mapping: EventSourceMappingConfig = {
          uuid,
          stack: entry.stack.stackName,
          logicalId: entry.logicalId,
          functionName: fn.config.name,
          functionArn: fn.config.arn,
          eventSourceArn,
          batchSize: Number(props.BatchSize ?? (isQueue ? 10 : 100)),
          bisectBatchOnFunctionError: props.BisectBatchOnFunctionError === true,
          maximumRetryAttempts:
            props.MaximumRetryAttempts === undefined ? -1 : Number(props.MaximumRetryAttempts),
          maximumRecordAgeInSeconds:
            props.MaximumRecordAgeInSeconds === undefined ? -1 : Number(props.MaximumRecordAgeInSeconds),
          ...(destination ? { onFailureDestination: destination } : {}),
          reportBatchItemFailures:
            Array.isArray(props.FunctionResponseTypes) &&
            props.FunctionResponseTypes.includes('ReportBatchItemFailures'),
          filters: parseFilterCriteria(props.FilterCriteria, where),
          maximumConcurrency: Number(
            (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ?? 2,
          ),
        };
        const arn = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:event-source-mapping:${uuid}`;
        ctx.register(entry, { kind: 'eventSourceMapping', name: uuid, arn }, uuid, {
          Id: uuid,
          EventSourceMappingArn: arn,
        });
        if (!isQueue && !ctx.index.all.some((r) => r.streamArn === eventSourceArn)) {
          ctx.problem(
            `event source mapping ${where}: source ${eventSourceArn} is neither a local queue nor a local table stream`,
          );
          continue;
        }
        ctx.whenStarted(() => ctx.engines.startMapping(mapping));
      } catch (error) {
        ctx.problem(`event source mapping ${where}: ${(error as Error).message}`);
      }
    }
  },
};
