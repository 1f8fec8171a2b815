import { describe, expect, it } from 'vitest';
import {
  describeNotEmulated,
  PROVISIONERS,
  provisionerFor,
  runProvisioners,
} from '../../infra/local/provisioners/index.js';
import { fakeProvisioning } from '../support/provision-context.js';

const QUEUE_ARN = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;

describe('queue provisioner', () => {
  it('creates a dead-letter queue before the queue whose redrive policy names it, whatever the template order', async () => {
    const fake = fakeProvisioning({
      Work: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: 'work',
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['Dlq', 'Arn'] }, maxReceiveCount: 3 },
        },
      },
      Dlq: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'work-dlq' } },
    });
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual([]);
    expect(fake.queues.map((q) => q.name)).toEqual(['work-dlq', 'work']);
    expect(fake.queues[1]?.props.RedrivePolicy).toEqual({
      deadLetterTargetArn: QUEUE_ARN('work-dlq'),
      maxReceiveCount: 3,
    });
    expect(fake.ctx.index.find('Work', 'queue').url).toBe('http://sqs.local/000000000000/work');
  });

  it('names an unnamed FIFO queue after its stack and logical id with the .fifo suffix', async () => {
    const fake = fakeProvisioning({ Orders: { Type: 'AWS::SQS::Queue', Properties: { FifoQueue: true } } });
    await runProvisioners(fake.entries, fake.ctx);
    const [queue] = fake.queues;
    expect(queue?.name.endsWith('.fifo')).toBe(true);
    expect(queue?.name.startsWith('App-Orders')).toBe(true);
  });
});

describe('table provisioner', () => {
  it('gives a table with a stream a StreamArn that a mapping on it resolves', async () => {
    const fake = fakeProvisioning({
      Table: {
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          TableName: 'orders',
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
        },
      },
      Relay: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: 'relay',
          Runtime: 'nodejs22.x',
          Code: { ZipFile: 'exports.handler=()=>1' },
        },
      },
      Mapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: { Ref: 'Relay' },
          EventSourceArn: { 'Fn::GetAtt': ['Table', 'StreamArn'] },
          BatchSize: 25,
        },
      },
    });
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual([]);
    expect(fake.tables).toEqual([
      {
        name: 'orders',
        props: expect.objectContaining({ StreamSpecification: { StreamViewType: 'NEW_IMAGE' } }),
      },
    ]);
    expect(fake.mappings).toEqual([]);
    fake.start();
    expect(fake.mappings).toEqual([
      expect.objectContaining({
        functionName: 'relay',
        eventSourceArn: fake.ctx.index.find('Table', 'table').streamArn,
        batchSize: 25,
        maximumRetryAttempts: -1,
      }),
    ]);
  });

  it('reports a table the engine refuses as a problem naming the table', async () => {
    const fake = fakeProvisioning({
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'bad' } },
    });
    fake.ctx.engines.createTable = async () => {
      throw new Error('KeySchema is missing');
    };
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual(['table App/Table: KeySchema is missing']);
    expect(fake.ctx.index.all).toEqual([]);
  });
});

describe('event source mapping provisioner', () => {
  it('leaves a disabled mapping out and refuses one whose function is not in the app', async () => {
    const fake = fakeProvisioning({
      Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } },
      Off: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: {
          FunctionName: 'ghost',
          EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] },
          Enabled: false,
        },
      },
      Orphan: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: 'ghost', EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
      },
    });
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual([
      'event source mapping App/Orphan: function ghost is not a function of the app',
    ]);
    fake.start();
    expect(fake.mappings).toEqual([]);
  });
});

describe('functions and state machines', () => {
  it("resolve each other's ARNs, whichever comes first in the template", async () => {
    const fake = fakeProvisioning({
      Starter: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: 'starter',
          Runtime: 'nodejs22.x',
          Code: { ZipFile: 'exports.handler = async () => ({})' },
          Environment: { Variables: { MACHINE_ARN: { Ref: 'Machine' } } },
        },
      },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'flow',
          DefinitionString: {
            'Fn::Join': [
              '',
              [
                '{"StartAt":"Go","States":{"Go":{"Type":"Task","Resource":"',
                { 'Fn::GetAtt': ['Starter', 'Arn'] },
                '","End":true}}}',
              ],
            ],
          },
        },
      },
    });
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual([]);
    expect(fake.functions[0]?.environment).toEqual({
      MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:flow',
    });
    expect(fake.machines.map((m) => [m.name, m.type, JSON.parse(m.definition).States.Go.Resource])).toEqual([
      ['flow', 'STANDARD', 'arn:aws:lambda:us-east-1:000000000000:function:starter'],
    ]);
  });

  it('refuses a state machine whose task calls a function that cannot run locally, and keeps why it cannot', async () => {
    const fake = fakeProvisioning({
      Py: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: 'py',
          Runtime: 'python3.13',
          Code: { ZipFile: 'def handler(e, c): pass' },
        },
      },
      Machine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          StateMachineName: 'flow',
          DefinitionString:
            '{"StartAt":"Go","States":{"Go":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"py"},"End":true}}}',
        },
      },
    });
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.problems).toEqual([
      'state machine App/Machine, state "Go": invokes function py, which is not a function of the app',
    ]);
    expect(fake.ctx.unrunnable.get('py')).toBe(
      'function App/Py: runtime python3.13 cannot run locally; only Node.js functions can',
    );
  });
});

describe('event rule provisioner', () => {
  it('runs a rate schedule once started and lists it with its local period', async () => {
    const fake = fakeProvisioning(
      {
        Sweeper: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            FunctionName: 'sweeper',
            Runtime: 'nodejs22.x',
            Code: { ZipFile: 'exports.handler=()=>1' },
          },
        },
        Every: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: 'sweep',
            ScheduleExpression: 'rate(1 minute)',
            Targets: [{ Id: 'T', Arn: { 'Fn::GetAtt': ['Sweeper', 'Arn'] } }],
          },
        },
      },
      { scheduleRateDivisor: 60 },
    );
    await runProvisioners(fake.entries, fake.ctx);
    expect(fake.ctx.index.find('sweep', 'eventRule').eventRule).toEqual({
      trigger: 'rate(1 minute)',
      localPeriodMs: 1000,
    });
    fake.start();
    expect(fake.schedules.map((s) => [s.name, s.targets.map((t) => t.functionName)])).toEqual([
      ['sweep', ['sweeper']],
    ]);
  });

  it('lists a schedule without starting it when schedules are off', async () => {
    const fake = fakeProvisioning(
      {
        Sweeper: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            FunctionName: 'sweeper',
            Runtime: 'nodejs22.x',
            Code: { ZipFile: 'exports.handler=()=>1' },
          },
        },
        Every: {
          Type: 'AWS::Events::Rule',
          Properties: {
            Name: 'sweep',
            ScheduleExpression: 'rate(5 minutes)',
            Targets: [{ Id: 'T', Arn: 'sweeper' }],
          },
        },
      },
      { runSchedules: false },
    );
    await runProvisioners(fake.entries, fake.ctx);
    fake.start();
    expect(fake.schedules).toEqual([]);
    expect(fake.ctx.index.find('sweep').eventRule?.notRunReason).toBe(
      'schedules are off (runSchedules: false)',
    );
  });
});

describe('resource types without a provisioner', () => {
  it('are listed once per type with what will not work and where they are used', () => {
    expect(
      describeNotEmulated([
        { type: 'AWS::S3::Bucket', where: 'App/Uploads' },
        { type: 'AWS::S3::Bucket', where: 'App/Reports' },
        { type: 'AWS::Foo::Bar', where: 'App/Thing' },
      ]),
    ).toEqual([
      'AWS::S3::Bucket is not emulated, there is no S3 API: calls to the bucket fail and its notifications never fire; a Ref or Fn::GetAtt of it fails start-up: App/Uploads, App/Reports',
      'AWS::Foo::Bar is not emulated, nothing it does happens locally; a Ref or Fn::GetAtt of it fails start-up: App/Thing',
    ]);
  });

  it('every emulated type has exactly one provisioner', () => {
    const types = PROVISIONERS.flatMap((p) => p.types);
    expect(new Set(types).size).toBe(types.length);
    for (const type of types) expect(provisionerFor(type)?.types).toContain(type);
    expect(provisionerFor('AWS::S3::Bucket')).toBeUndefined();
  });
});
