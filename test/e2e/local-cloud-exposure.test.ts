import { request } from 'node:http';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Gateway, startGateway } from '../../infra/local/gateway/index.js';
import { REQUEST_BODY_LIMITS } from '../../infra/local/gateway/request-limits.js';
import { useLocalCloud } from '../../infra/local/testing/index.js';
import { engineClients, getItem } from '../support/local-cloud.js';
import { isLoopbackAddress, listeningAddresses } from '../support/sockets.js';
import { buildTinyApp } from './fixtures/tiny-app.js';

const local = useLocalCloud(() => buildTinyApp(), { pollIntervalMs: 50 });
let gateway: Gateway;
let permissive: Gateway;

beforeAll(async () => {
  gateway = await startGateway(local.cloud, { port: 0 });
  permissive = await startGateway(local.cloud, {
    port: 0,
    allowedOrigins: ['http://localhost:3000'],
    allowedHosts: ['devbox.internal'],
  });
});
afterAll(async () => {
  await gateway?.stop();
  await permissive?.stop();
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw HTTP request (fetch may not set Host), as a browser or a rebinding page would send it. */
function call(
  endpoint: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<Answer> {
  const url = new URL(options.path ?? '/', endpoint);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const port = (endpoint: string) => Number(new URL(endpoint).port);

async function queueDepth(url: string): Promise<number> {
  const { sqs } = engineClients(local.cloud);
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

const sendMessageForm = (queueUrl: string, body: string) =>
  new URLSearchParams({
    Action: 'SendMessage',
    Version: '2012-11-05',
    QueueUrl: queueUrl,
    MessageBody: body,
  }).toString();

const writerInvokePath = () =>
  `/2015-03-31/functions/${local.cloud.resources.find('Writer', 'function').name}/invocations`;

describe('the local cloud on the network', () => {
  it('listens on loopback only: DynamoDB Local, the SQS emulator and the endpoint', () => {
    for (const endpoint of [local.cloud.dynamoDbEndpoint, local.cloud.sqsEndpoint, gateway.endpoint]) {
      const addresses = listeningAddresses(port(endpoint));
      expect(addresses.length, `${endpoint} listens`).toBeGreaterThan(0);
      expect(
        addresses.filter((a) => !isLoopbackAddress(a)),
        `${endpoint} listens on ${addresses}`,
      ).toEqual([]);
    }
  });
});

describe('the endpoint and browsers', () => {
  it('refuses a cross-origin form-encoded SQS SendMessage with AccessDenied and enqueues nothing', async () => {
    const queueUrl = local.cloud.resources.find('Callbacks', 'queue').url as string;
    const form = (body: string) => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: sendMessageForm(queueUrl, body),
    });
    const refused = await call(gateway.endpoint, form('{"from":"evil"}'));
    expect(refused.status).toBe(403);
    expect(refused.headers['content-type']).toBe('text/xml');
    expect(refused.body).toContain('<Code>AccessDenied</Code>');
    expect(refused.body).toContain('http://evil.example');
    expect(await queueDepth(queueUrl)).toBe(0);

    // The same request from a non-browser client (no Origin) is served: the refusal is the Origin's.
    const served = await call(gateway.endpoint, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: sendMessageForm(queueUrl, '{"from":"cli"}'),
    });
    expect(served.status).toBe(200);
    expect(await queueDepth(queueUrl)).toBe(1);
  });

  it('refuses a cross-origin text/plain Lambda Invoke with AccessDeniedException and runs nothing', async () => {
    const { dynamodb } = engineClients(local.cloud);
    const table = local.cloud.resources.find('Table', 'table').name;
    const refused = await call(gateway.endpoint, {
      path: writerInvokePath(),
      headers: { 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: JSON.stringify({ orderId: 'cross-origin-1' }),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(JSON.parse(refused.body).__type).toBe('AccessDeniedException');
    expect(await getItem(dynamodb, table, 'ORDER#cross-origin-1', 'ORDER')).toBeUndefined();

    const served = await call(gateway.endpoint, {
      path: writerInvokePath(),
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ orderId: 'same-client-1' }),
    });
    expect(served.status).toBe(200);
    expect(await getItem(dynamodb, table, 'ORDER#same-client-1', 'ORDER')).toBeDefined();
  });

  it("serves the endpoint's own origin and origins the user allowed, with CORS headers", async () => {
    const own = await call(gateway.endpoint, {
      headers: {
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
        origin: gateway.endpoint,
      },
      body: '{}',
    });
    expect(own.status).toBe(200);

    const preflight = await call(permissive.endpoint, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'x-amz-target,content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    expect(preflight.headers['access-control-allow-headers']).toBe('x-amz-target,content-type');
    const allowed = await call(permissive.endpoint, {
      headers: {
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
        origin: 'http://localhost:3000',
      },
      body: '{}',
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    const other = await call(permissive.endpoint, {
      headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', origin: 'http://localhost:4000' },
      body: '{}',
    });
    expect(other.status).toBe(403);
  });
});

describe('the endpoint and host names (DNS rebinding)', () => {
  const listTables = (endpoint: string, host: string) =>
    call(endpoint, {
      headers: {
        host,
        'x-amz-target': 'DynamoDB_20120810.ListTables',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{}',
    });

  it('refuses a foreign Host with AccessDeniedException and accepts loopback names', async () => {
    const p = port(gateway.endpoint);
    const foreign = await listTables(gateway.endpoint, `rebind.evil.example:${p}`);
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ __type: 'AccessDeniedException' });
    expect(JSON.parse(foreign.body).message).toContain('rebind.evil.example');
    for (const host of [
      `localhost:${p}`,
      `127.0.0.1:${p}`,
      `[::1]:${p}`,
      `sqs.localhost:${p}`,
      `sync-localhost:${p}`,
    ]) {
      expect((await listTables(gateway.endpoint, host)).status, host).toBe(200);
    }
    expect((await listTables(gateway.endpoint, `devbox.internal:${p}`)).status).toBe(403);
    expect(
      (await listTables(permissive.endpoint, `devbox.internal:${port(permissive.endpoint)}`)).status,
    ).toBe(200);
  });

  it('names only an accepted host in the queue URLs it returns', async () => {
    const p = port(gateway.endpoint);
    const queueName = local.cloud.resources.find('Callbacks', 'queue').name;
    const getQueueUrl = (host: string) =>
      call(gateway.endpoint, {
        headers: { host, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          Action: 'GetQueueUrl',
          Version: '2012-11-05',
          QueueName: queueName,
        }).toString(),
      });
    const answer = await getQueueUrl(`localhost:${p}`);
    expect(answer.body).toContain(`<QueueUrl>http://localhost:${p}/000000000000/${queueName}</QueueUrl>`);
    const foreign = await getQueueUrl(`evil.example:${p}`);
    expect(foreign.status).toBe(403);
    expect(foreign.body).not.toContain('<QueueUrl>');
  });
});

describe('the endpoint and request sizes', () => {
  it('refuses a Lambda Invoke over 6 MB with 413 RequestTooLargeException and runs nothing', async () => {
    const { dynamodb } = engineClients(local.cloud);
    const table = local.cloud.resources.find('Table', 'table').name;
    const payload = JSON.stringify({
      orderId: 'too-large-1',
      pad: 'x'.repeat(REQUEST_BODY_LIMITS.lambdaRequestResponse),
    });
    const answer = await call(gateway.endpoint, {
      path: writerInvokePath(),
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expect(answer.status).toBe(413);
    expect(answer.headers['x-amzn-errortype']).toBe('RequestTooLargeException');
    expect(await getItem(dynamodb, table, 'ORDER#too-large-1', 'ORDER')).toBeUndefined();
  });

  it('refuses a DynamoDB request over 16 MiB, even one without Content-Length, with a JSON error', async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const req = request(
        new URL('/', gateway.endpoint),
        {
          method: 'POST',
          headers: {
            'x-amz-target': 'DynamoDB_20120810.PutItem',
            'content-type': 'application/x-amz-json-1.0',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString(),
            }),
          );
        },
      );
      req.on('error', reject);
      // Chunked: the gateway cannot know the size in advance and must stop reading at the limit.
      const chunk = Buffer.alloc(MiB, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 18) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ __type: 'RequestEntityTooLarge' });
  });

  it('refuses an SQS query request over its limit with an XML error and enqueues nothing', async () => {
    const queueUrl = local.cloud.resources.find('RelayFailures', 'queue').url as string;
    const answer = await call(gateway.endpoint, {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: sendMessageForm(queueUrl, 'x'.repeat(REQUEST_BODY_LIMITS.sqsQuery)),
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('<Code>RequestEntityTooLarge</Code>');
    expect(await queueDepth(queueUrl)).toBe(0);
  });
});

const MiB = 1024 * 1024;
