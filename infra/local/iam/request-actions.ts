/** One authorization AWS makes for an API call: the IAM action on one resource. */
export interface IamCall {
  readonly action: string;
  readonly resource: string;
}

/** Where the app's resources live, to turn names and URLs in requests into ARNs. */
export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
  /** A queue's ARN from its URL or name; undefined when the queue is not the app's. */
  queueArn(urlOrName: string): string | undefined;
}

type Body = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

export function tableArn(scope: ArnScope, nameOrArn: string, index?: string): string {
  const base = nameOrArn.startsWith('arn:')
    ? nameOrArn
    : `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${nameOrArn}`;
  return index ? `${base}/index/${index}` : base;
}

/**
 * The ARN Lambda authorizes an invocation against: the function's, with the version or alias when
 * the call names one (in the name, the ARN or `Qualifier`). A grant on `function:name` does not
 * cover `function:name:3`, as on AWS.
 */
export function functionArn(scope: ArnScope, nameOrArn: string, qualifier?: string): string {
  let name = nameOrArn;
  let qualified: string | undefined;
  const full = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::([^:]+))?$/.exec(nameOrArn);
  const partial = /^(?:\d{12}:)?(?:function:)?([^:]+)(?::([^:]+))?$/.exec(nameOrArn);
  if (full) [, name = nameOrArn, qualified] = full;
  else if (partial) [, name = nameOrArn, qualified] = partial;
  const q = qualifier ?? qualified;
  return `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${name}${q && q !== '$LATEST' ? `:${q}` : ''}`;
}

const TRANSACT_WRITE: Readonly<Record<string, string>> = {
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
};

/** DynamoDB: transactions and batches are authorized item by item (or table by table), as AWS does. */
export function dynamoDbCalls(scope: ArnScope, operation: string, body: Body): IamCall[] | undefined {
  switch (operation) {
    case 'TransactWriteItems':
      return ((body.TransactItems as Body[] | undefined) ?? []).flatMap((item) =>
        Object.entries(item).flatMap(([kind, op]) => {
          const action = TRANSACT_WRITE[kind];
          const table = str((op as Body | undefined)?.TableName);
          return action && table ? [{ action, resource: tableArn(scope, table) }] : [];
        }),
      );
    case 'TransactGetItems':
      return ((body.TransactItems as Body[] | undefined) ?? []).flatMap((item) => {
        const table = str((item.Get as Body | undefined)?.TableName);
        return table ? [{ action: 'dynamodb:GetItem', resource: tableArn(scope, table) }] : [];
      });
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems as Body | undefined) ?? {}).map((table) => ({
        action: `dynamodb:${operation}`,
        resource: tableArn(scope, table),
      }));
    case 'ListTables':
      return [{ action: 'dynamodb:ListTables', resource: '*' }];
    case 'ExecuteStatement':
    case 'BatchExecuteStatement':
    case 'ExecuteTransaction':
      // PartiQL names its table inside the statement text; not evaluated locally.
      return undefined;
    default: {
      const table = str(body.TableName);
      if (!table) return undefined;
      return [{ action: `dynamodb:${operation}`, resource: tableArn(scope, table, str(body.IndexName)) }];
    }
  }
}

/** DynamoDB Streams: the stream ARN is the resource. */
export function dynamoDbStreamsCalls(operation: string, body: Body): IamCall[] | undefined {
  const stream = str(body.StreamArn);
  // ListStreams has no resource type: IAM authorizes it on "*".
  if (operation === 'ListStreams') return [{ action: 'dynamodb:ListStreams', resource: '*' }];
  if (!stream) return undefined;
  return [{ action: `dynamodb:${operation}`, resource: stream }];
}

/** SQS: batch operations are authorized as their single forms, on the queue. */
export function sqsCalls(scope: ArnScope, operation: string, body: Body): IamCall[] | undefined {
  const action =
    {
      SendMessageBatch: 'SendMessage',
      DeleteMessageBatch: 'DeleteMessage',
      ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
    }[operation] ?? operation;
  if (operation === 'ListQueues') return [{ action: 'sqs:ListQueues', resource: '*' }];
  const ref = str(body.QueueUrl) ?? str(body.QueueName);
  if (!ref) return undefined;
  const queue = scope.queueArn(ref);
  if (!queue) return undefined;
  return [{ action: `sqs:${action}`, resource: queue }];
}

export function snsCalls(operation: string, params: URLSearchParams): IamCall[] | undefined {
  const topic = params.get('TopicArn') ?? params.get('TargetArn');
  if (!topic) return undefined;
  return [{ action: `sns:${operation === 'PublishBatch' ? 'Publish' : operation}`, resource: topic }];
}

/** Step Functions: executions are authorized on the execution, starts on the state machine. */
export function stepFunctionsCalls(operation: string, body: Body): IamCall[] | undefined {
  const resource = str(body.stateMachineArn) ?? str(body.executionArn);
  if (operation === 'ListStateMachines') return [{ action: 'states:ListStateMachines', resource: '*' }];
  if (!resource) return undefined;
  return [{ action: `states:${operation}`, resource }];
}

export function eventBridgeCalls(scope: ArnScope, operation: string, body: Body): IamCall[] | undefined {
  if (operation !== 'PutEvents') return undefined;
  const buses = new Set(
    ((body.Entries as Body[] | undefined) ?? []).map((e) => str(e.EventBusName) ?? 'default'),
  );
  return [...buses].map((bus) => ({
    action: 'events:PutEvents',
    resource: bus.startsWith('arn:')
      ? bus
      : `arn:aws:events:${scope.region}:${scope.accountId}:event-bus/${bus}`,
  }));
}

export function lambdaCalls(scope: ArnScope, operation: string, body: Body): IamCall[] | undefined {
  const name = str(body.FunctionName);
  if (operation === 'ListFunctions') return [{ action: 'lambda:ListFunctions', resource: '*' }];
  if (!name) return undefined;
  const action = operation === 'Invoke' ? 'lambda:InvokeFunction' : `lambda:${operation}`;
  return [{ action, resource: functionArn(scope, name, str(body.Qualifier)) }];
}

/**
 * The calls one gateway request makes, by API. `taskTokenMachine` finds the state machine a task
 * token belongs to: SendTaskSuccess/Failure/Heartbeat are authorized on it.
 */
export function gatewayCalls(
  scope: ArnScope,
  api: 'dynamodb' | 'dynamodb-streams' | 'sqs' | 'sns' | 'states' | 'events' | 'lambda',
  operation: string,
  request: Body,
  taskTokenMachine: (token: string) => string | undefined,
): IamCall[] | undefined {
  switch (api) {
    case 'dynamodb':
      return dynamoDbCalls(scope, operation, request);
    case 'dynamodb-streams':
      return dynamoDbStreamsCalls(operation, request);
    case 'sqs':
      return sqsCalls(scope, operation, request);
    case 'sns':
      return snsCalls(operation, new URLSearchParams(request as Record<string, string>));
    case 'states': {
      const token = str(request.taskToken);
      if (token) {
        const machine = taskTokenMachine(token);
        return machine ? [{ action: `states:${operation}`, resource: machine }] : undefined;
      }
      return stepFunctionsCalls(operation, request);
    }
    case 'events':
      return eventBridgeCalls(scope, operation, request);
    case 'lambda':
      return lambdaCalls(scope, operation, request);
  }
}
