import { type GatewayCall, requestObject } from '../gateway/authorization.js';
import type { AwsShapedError } from '../gateway/backend.js';
import type { EngineCall } from '../lambda/local-function.js';
import type { TaskRun } from '../stepfunctions/integrations.js';
import type { TaskFailure } from '../stepfunctions/task-failure.js';
import type { LocalLogLine, LocalResource } from '../types.js';
import { IamAuthorizer, type IamMode } from './iam-authorizer.js';
import { buildIamModel, type IamModelInput } from './iam-model.js';
import { type ArnScope, gatewayCalls, type IamCall } from './request-actions.js';
import { taskAccessDenied, taskCalls } from './task-calls.js';

export interface LocalIamInput extends Omit<IamModelInput, 'resources' | 'log'> {
  readonly mode: IamMode;
  readonly region: string;
  readonly resources: () => readonly LocalResource[];
  readonly onLog: (line: LocalLogLine) => void;
  /** The execution waiting on a task token. */
  readonly executionOfToken: (token: string) => string | undefined;
}

/** An event source mapping as IAM sees it: the function's role polls the source. */
export interface MappingAccess {
  readonly where: string;
  readonly functionArn: string;
  readonly eventSourceArn: string;
  readonly onFailureDestination?: string;
}

const machineOfExecution = (executionArn: string): string | undefined => {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):execution:([^:]+):[^:]+$/.exec(executionArn);
  return match ? `${match[1]}:stateMachine:${match[2]}` : undefined;
};

/**
 * The local cloud's IAM: built once the app's resources are in place, it evaluates the calls of
 * tasks (with the state machine's role), of functions' SDK clients (told apart by access key id,
 * with the function's role) and of event source mappings, and warns or denies per `mode`.
 */
export class LocalIam {
  readonly authorizer: IamAuthorizer;
  private readonly scope: ArnScope;

  constructor(private readonly input: LocalIamInput) {
    const log = (level: 'debug' | 'warn', message: string) =>
      input.onLog({ timestamp: Date.now(), source: 'cloud', level, message });
    const model = buildIamModel({ ...input, resources: input.resources(), log });
    this.authorizer = new IamAuthorizer(model, input);
    this.scope = {
      region: input.region,
      accountId: input.accountId,
      queueArn: (urlOrName) => {
        const name = urlOrName.split('/').pop() ?? urlOrName;
        return input
          .resources()
          .find((r) => r.kind === 'queue' && (r.url === urlOrName || r.arn === urlOrName || r.name === name))
          ?.arn;
      },
    };
  }

  get mode(): IamMode {
    return this.authorizer.mode;
  }

  set mode(mode: IamMode) {
    this.authorizer.mode = mode;
  }

  /** For a task about to run: the failure Step Functions reports when the role may not run it. */
  authorizeTask(run: TaskRun, input: unknown): TaskFailure | undefined {
    if (!run.stateMachineArn) return undefined;
    const caller = this.authorizer.stateMachineCaller(run.stateMachineArn, run.executionArn);
    const denied = this.authorizer.authorize(caller, taskCalls(this.scope, run.binding, input));
    return denied ? taskAccessDenied(run.binding, denied) : undefined;
  }

  /** For a request through the endpoint: the error to answer with when its caller may not make it. */
  authorizeRequest(call: GatewayCall): AwsShapedError | undefined {
    const caller = this.authorizer.callerOfAccessKey(call.accessKeyId);
    if (!caller) return undefined;
    const calls = gatewayCalls(this.scope, call.api, call.operation, call.request, (token) => {
      const execution = this.input.executionOfToken(token);
      return execution ? machineOfExecution(execution) : undefined;
    });
    return this.authorizer.authorize(caller, calls);
  }

  /**
   * For a request a function sent straight to an engine (IAM in warn mode): evaluates it with the
   * function's role, which warns about a missing grant. The request is already on its way.
   */
  observeEngineCall(functionArn: string, call: EngineCall): void {
    const caller = this.authorizer.functionCaller(functionArn);
    if (!caller) return;
    // Table ARNs a function got back from DynamoDB Local name its `ddblocal` region.
    const body = call.body.includes(':ddblocal:')
      ? call.body.replaceAll('arn:aws:dynamodb:ddblocal:', `arn:aws:dynamodb:${this.input.region}:`)
      : call.body;
    const dot = call.target.indexOf('.');
    if (dot > 0) {
      const service = call.target.slice(0, dot);
      const api = service === 'DynamoDBStreams_20120810' ? 'dynamodb-streams' : call.api;
      const calls = gatewayCalls(
        this.scope,
        api,
        call.target.slice(dot + 1),
        requestObject(body),
        () => undefined,
      );
      this.authorizer.authorize(caller, calls);
      return;
    }
    if (call.api !== 'sqs') return;
    // The query protocol: form parameters, the queue in the path when the body does not name it.
    const params = Object.fromEntries(new URLSearchParams(body));
    const queue = call.path.split('?')[0] ?? '';
    const request = params.QueueUrl || queue === '/' ? params : { ...params, QueueUrl: queue };
    this.authorizer.authorize(
      caller,
      gatewayCalls(this.scope, 'sqs', params.Action ?? '', request, () => undefined),
    );
  }

  /**
   * Whether a service (EventBridge for a rule) may deliver to a target of the app: a function needs a
   * Lambda permission, a queue a queue policy, a topic a topic policy naming the service. Warns about
   * a missing one; false only under `enforce` (AWS drops the delivery and counts a failed invocation).
   * Targets reached through a role (state machines, buses) are not evaluated.
   */
  allowsDelivery(
    service: string,
    source: { readonly name: string; readonly arn: string },
    target: { readonly kind: string; readonly arn: string },
  ): boolean {
    const action = { function: 'lambda:InvokeFunction', queue: 'sqs:SendMessage', topic: 'sns:Publish' }[
      target.kind
    ];
    if (!action) return true;
    const caller = this.authorizer.serviceCaller(service, source.arn, `rule ${source.name}`);
    return this.authorizer.authorize(caller, [{ action, resource: target.arn }]) === undefined;
  }

  /**
   * The permissions Lambda checks when an event source mapping is created. Returns CloudFormation's
   * failure for the first one missing under `enforce` (the deploy fails on AWS), else undefined.
   */
  checkMapping(mapping: MappingAccess): string | undefined {
    const isQueue = mapping.eventSourceArn.startsWith('arn:aws:sqs:');
    const actions = isQueue
      ? ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes']
      : [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ];
    const calls: IamCall[] = actions.map((action) => ({ action, resource: mapping.eventSourceArn }));
    if (mapping.onFailureDestination?.startsWith('arn:aws:sqs:'))
      calls.push({ action: 'sqs:SendMessage', resource: mapping.onFailureDestination });
    const caller = this.authorizer.functionCaller(mapping.functionArn);
    const denied = this.authorizer.authorize(caller, calls);
    if (!denied) return undefined;
    const [service, operation] = denied.call.action.split(':');
    return (
      `event source mapping ${mapping.where}: The provided execution role does not have permissions to call ` +
      `${operation} on ${service === 'sqs' ? 'SQS' : 'DynamoDB'} (InvalidParameterValueException; on AWS the deployment fails)`
    );
  }
}
